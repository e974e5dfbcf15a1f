using k8s.Models;
using Skiff.Client.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler;

/// <summary>
/// Informer handlers (kube-scheduler's eventhandlers.go): unassigned pods of this scheduler feed the queue,
/// assigned pods and nodes feed the cache, and each cache change is a cluster event that may move
/// unschedulable pods back. Handlers only update in-memory structures; they never call the API.
/// </summary>
internal sealed partial class Scheduler
{
    public void AddEventHandlers(IInformer<V1Pod> pods, IInformer<V1Node> nodes, IInformer<V1Namespace> namespaces)
    {
        namespaces.AddEventHandler(new ResourceEventHandler<V1Namespace>(
            ns => _cache.SetNamespace(ns.Metadata.Name, ns.Metadata.Labels),
            (_, ns) => _cache.SetNamespace(ns.Metadata.Name, ns.Metadata.Labels),
            ns => _cache.RemoveNamespace(ns.Metadata.Name)));
        nodes.AddEventHandler(new ResourceEventHandler<V1Node>(Guard<V1Node>(OnNodeAdd), Guard<V1Node, V1Node>(OnNodeUpdate), Guard<V1Node>(OnNodeDelete)));
        pods.AddEventHandler(new ResourceEventHandler<V1Pod>(Guard<V1Pod>(OnPodAdd), Guard<V1Pod, V1Pod>(OnPodUpdate), Guard<V1Pod>(OnPodDelete)));
    }

    /// <summary>
    /// Claims, volumes and storage classes feed the listers (the informers' own indexers) and are cluster events
    /// for the VolumeBinding plugin; a claim or volume change also wakes binding cycles waiting for a bind.
    /// </summary>
    public void AddVolumeEventHandlers(IInformer<V1PersistentVolumeClaim> claims, IInformer<V1PersistentVolume> volumes, IInformer<V1StorageClass> classes, SchedulerListers listers)
    {
        void Claim() { listers.NotifyVolumesChanged(); _queue.OnClusterEvent(ClusterEvent.ClaimChange); }
        void Volume() { listers.NotifyVolumesChanged(); _queue.OnClusterEvent(ClusterEvent.VolumeChange); }
        claims.AddEventHandler(new ResourceEventHandler<V1PersistentVolumeClaim>(Guard<V1PersistentVolumeClaim>(_ => Claim()), Guard<V1PersistentVolumeClaim, V1PersistentVolumeClaim>((_, _) => Claim()), Guard<V1PersistentVolumeClaim>(_ => Claim())));
        volumes.AddEventHandler(new ResourceEventHandler<V1PersistentVolume>(Guard<V1PersistentVolume>(_ => Volume()), Guard<V1PersistentVolume, V1PersistentVolume>((_, _) => Volume()), Guard<V1PersistentVolume>(_ => Volume())));
        classes.AddEventHandler(new ResourceEventHandler<V1StorageClass>(
            Guard<V1StorageClass>(_ => _queue.OnClusterEvent(ClusterEvent.StorageClassChange)),
            Guard<V1StorageClass, V1StorageClass>((_, _) => _queue.OnClusterEvent(ClusterEvent.StorageClassChange)),
            Guard<V1StorageClass>(_ => _queue.OnClusterEvent(ClusterEvent.StorageClassChange))));
    }

    public void OnNodeAdd(V1Node node)
    {
        _cache.AddOrUpdateNode(node);
        _queue.OnClusterEvent(ClusterEvent.NodeAdd);
    }

    public void OnNodeUpdate(V1Node old, V1Node node)
    {
        _cache.AddOrUpdateNode(node);

        // Heartbeats change only conditions and times; upstream's queueing hints ignore them too.
        if (SchedulingRelevantChange(old, node))
        {
            _queue.OnClusterEvent(ClusterEvent.NodeUpdate);
        }
    }

    public void OnNodeDelete(V1Node node)
    {
        _cache.RemoveNode(node.Metadata.Name);
        _queue.OnClusterEvent(ClusterEvent.NodeDelete);
    }

    public void OnPodAdd(V1Pod pod)
    {
        if (IsAssigned(pod))
        {
            if (!IsTerminal(pod))
            {
                _cache.AddOrUpdatePod(pod);
                _queue.OnClusterEvent(ClusterEvent.AssignedPodAdd);
            }
        }
        else if (IsOurs(pod))
        {
            _queue.Add(new PodInfo(pod));
            _nominator.Update(pod, deletedOrAssigned: false);
        }
    }

    public void OnPodUpdate(V1Pod old, V1Pod pod)
    {
        if (IsAssigned(pod))
        {
            if (!IsAssigned(old))
            {
                // Bound (by us: confirms the assumption; or by someone else): it leaves the queue.
                _queue.Delete(Key(pod));
                _nominator.Update(pod, deletedOrAssigned: true);
            }

            if (IsTerminal(pod))
            {
                // A finished pod no longer holds resources (kube-scheduler drops terminated pods from its cache).
                _cache.RemovePod(pod);
                _queue.OnClusterEvent(ClusterEvent.AssignedPodDelete);
                return;
            }

            _cache.AddOrUpdatePod(pod);
            _queue.OnClusterEvent(IsAssigned(old) ? ClusterEvent.AssignedPodUpdate : ClusterEvent.AssignedPodAdd);
        }
        else if (IsOurs(pod))
        {
            _queue.Update(new PodInfo(pod), SchedulingRelevantChange(old, pod));
            _nominator.Update(pod, deletedOrAssigned: false);
        }
        else
        {
            // Handed to another scheduler, or being deleted.
            _queue.Delete(Key(pod));
            _nominator.Update(pod, deletedOrAssigned: true);
        }
    }

    public void OnPodDelete(V1Pod pod)
    {
        _queue.Delete(Key(pod));
        _nominator.Update(pod, deletedOrAssigned: true);
        _cache.RemovePod(pod);
        if (IsAssigned(pod))
        {
            _queue.OnClusterEvent(ClusterEvent.AssignedPodDelete);
        }
    }

    // A throwing handler would make the informer drop its watch and relist; log the bug and keep the stream.
    private Action<T> Guard<T>(Action<T> handler) => obj =>
    {
        try
        {
            handler(obj);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, ex);
        }
    };

    private Action<T1, T2> Guard<T1, T2>(Action<T1, T2> handler) => (a, b) =>
    {
        try
        {
            handler(a, b);
        }
        catch (Exception ex)
        {
            Log.HandlerFailed(_logger, ex);
        }
    };

    private bool IsOurs(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is null && !IsTerminal(pod) && _profiles.ContainsKey(pod.Spec?.SchedulerName ?? DefaultSchedulerName);

    private static bool IsAssigned(V1Pod pod) => !string.IsNullOrEmpty(pod.Spec?.NodeName);

    private static bool IsTerminal(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    private static string Key(V1Pod pod) => $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";

    /// <summary>
    /// kube-scheduler's isPodUpdated: a change other than status and bookkeeping metadata. Our own
    /// PodScheduled=False write must not wake the pod it describes.
    /// </summary>
    private static bool SchedulingRelevantChange(V1Pod old, V1Pod pod)
    {
        static string Shape(V1Pod p) => k8s.KubernetesJson.Serialize(new object?[] { p.Metadata.Labels, p.Metadata.Annotations, p.Spec });
        return Shape(old) != Shape(pod);
    }

    private static bool SchedulingRelevantChange(V1Node old, V1Node node)
    {
        static string Shape(V1Node n) => k8s.KubernetesJson.Serialize(new object?[] { n.Metadata.Labels, n.Spec?.Taints, n.Spec?.Unschedulable, n.Status?.Allocatable });
        return Shape(old) != Shape(node);
    }
}
