using k8s.Models;
using Skiff.Client.Cache;

namespace Skiff.Scheduler.Framework;

/// <summary>
/// The informer caches plugins read besides nodes and pods (kube-scheduler's SharedInformerFactory listers):
/// PersistentVolumeClaims, PersistentVolumes, StorageClasses, PodDisruptionBudgets, and the workload objects
/// whose selectors PodTopologySpread's default constraints use. Thread-safe (the
/// indexers are); <see cref="VolumesChanged"/> lets a waiting binding cycle wake up when a claim or volume changes.
/// </summary>
internal sealed class SchedulerListers
{
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Indexer<V1PersistentVolumeClaim> Claims { get; init; } = new();

    public Indexer<V1PersistentVolume> Volumes { get; init; } = new();

    public Indexer<V1StorageClass> StorageClasses { get; init; } = new();

    public Indexer<V1PodDisruptionBudget> DisruptionBudgets { get; init; } = new();

    /// <summary>For PodTopologySpread's default constraints: the objects whose selectors pick a pod's peers.</summary>
    public Indexer<V1Service> Services { get; init; } = new();

    public Indexer<V1ReplicationController> ReplicationControllers { get; init; } = new();

    public Indexer<V1ReplicaSet> ReplicaSets { get; init; } = new();

    public Indexer<V1StatefulSet> StatefulSets { get; init; } = new();

    /// <summary>Completes at the next <see cref="NotifyVolumesChanged"/>.</summary>
    public Task VolumesChanged => Volatile.Read(ref _changed).Task;

    /// <summary>Called by the claim and volume informer handlers.</summary>
    public void NotifyVolumesChanged()
    {
        var previous = Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }
}
