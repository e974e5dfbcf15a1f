using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Expectations;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Job;

/// <summary>
/// Runs a Job's pods to completion, after kube-controller-manager's pkg/controller/job: keeps up to
/// spec.parallelism pods running until spec.completions succeed (one pod per completion index for Indexed jobs),
/// counts finished pods exactly once through the <c>batch.kubernetes.io/job-tracking</c> finalizer and
/// status.uncountedTerminatedPods, recreates failed pods with exponential backoff until spec.backoffLimit, and
/// fails the job past its backoff limit, its activeDeadlineSeconds or a FailJob pod failure rule.
/// </summary>
internal sealed partial class JobController : IController
{
    /// <summary>The controller's name in spec.managedBy; jobs managed by anything else are left alone.</summary>
    public const string ManagedBy = "kubernetes.io/job-controller";

    /// <summary>kube-controller-manager's MaxPodCreateDeletePerSync.</summary>
    internal const int MaxPodCreateDeletePerSync = 500;

    /// <summary>kube-controller-manager's MaxUncountedPods: keeps uncountedTerminatedPods small.</summary>
    internal const int MaxUncountedPods = 500;

    private readonly IInformer<V1Job> _jobs;
    private readonly IInformer<V1Pod> _pods;
    private readonly IResourceClient<V1Job> _jobClient;
    private readonly IResourceClient<V1Pod> _podClient;
    private readonly IEventRecorder _recorder;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, BackoffRecord> _backoff = new(StringComparer.Ordinal);

    /// <summary>Per job key, the UID and resourceVersion of the last status this controller wrote.</summary>
    private readonly ConcurrentDictionary<string, (string Uid, long ResourceVersion)> _written = new(StringComparer.Ordinal);

    public JobController(IInformer<V1Job> jobs, IInformer<V1Pod> pods, IResourceClient<V1Job> jobClient, IResourceClient<V1Pod> podClient, IEventRecorder recorder, TimeProvider timeProvider, ILogger logger)
    {
        _jobs = jobs;
        _pods = pods;
        _jobClient = jobClient;
        _podClient = podClient;
        _recorder = recorder;
        _timeProvider = timeProvider;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        OrphanQueue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Expectations = new ControllerExpectations(timeProvider);
        Sync = SyncAsync;
        SyncOrphan = SyncOrphanPodAsync;

        jobs.AddEventHandler(new ResourceEventHandler<V1Job>(
            onAdd: Enqueue,
            onUpdate: (_, cur) => Enqueue(cur),
            onDelete: DeleteJob));
        pods.AddEventHandler(new ResourceEventHandler<V1Pod>(AddPod, UpdatePod, p => DeletePod(p, final: true)));
    }

    public string Name => "job";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>Pods (namespace/name) whose tracking finalizer no job will remove: their job is gone or finished.</summary>
    public RateLimitingQueue<string> OrphanQueue { get; }

    public ControllerExpectations Expectations { get; }

    public FinalizerExpectations FinalizerExpectations { get; } = new();

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public SyncHandler SyncOrphan { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_jobs.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        await Task.WhenAll(
            Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken),
            Workers.RunAsync("job-orphan-pods", OrphanQueue, () => SyncOrphan, 1, _logger, cancellationToken)).ConfigureAwait(false);
    }

    internal static bool IsFinished(V1Job job) =>
        job.Status?.Conditions?.Any(c => c.Type is "Complete" or "Failed" && c.Status == "True") == true;

    private void Enqueue(V1Job job) => Queue.Add(ObjectKey.Of(job));

    private void DeleteJob(V1Job job)
    {
        Enqueue(job);

        // Its pods keep their finalizers until someone removes them: the job's sync no longer will.
        foreach (var pod in _pods.Indexer.ListNamespace(job.Metadata.NamespaceProperty))
        {
            if (JobPods.HasTrackingFinalizer(pod) && Objects.ControllerOf(pod.Metadata)?.Uid == job.Metadata.Uid)
            {
                OrphanQueue.Add(ObjectKey.Of(pod));
            }
        }
    }

    /// <summary>The job a controller reference names, if it is in the cache with the same UID.</summary>
    private V1Job? Resolve(string ns, V1OwnerReference? controllerRef)
    {
        if (controllerRef is null || controllerRef.Kind != "Job")
        {
            return null;
        }

        var job = _jobs.Indexer.Get(ns, controllerRef.Name);
        return job?.Metadata.Uid == controllerRef.Uid ? job : null;
    }

    private IEnumerable<V1Job> SelectingJobs(V1Pod pod) =>
        _jobs.Indexer.ListNamespace(pod.Metadata.NamespaceProperty).Where(j => Selectors.Matches(j.Spec?.Selector, pod.Metadata.Labels));

    private void EnqueueOrphanIfTracked(V1Pod pod)
    {
        if (JobPods.HasTrackingFinalizer(pod))
        {
            OrphanQueue.Add(ObjectKey.Of(pod));
        }
    }

    private void AddPod(V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            // First seen already terminating (e.g. after a restart): a deletion as far as expectations go.
            DeletePod(pod, final: false);
            return;
        }

        if (Objects.ControllerOf(pod.Metadata) is { } controllerRef)
        {
            var job = Resolve(pod.Metadata.NamespaceProperty, controllerRef);
            if (job is null)
            {
                if (controllerRef.Kind == "Job")
                {
                    EnqueueOrphanIfTracked(pod);
                }

                return;
            }

            Expectations.CreationObserved(ObjectKey.Of(job));
            Enqueue(job);
            return;
        }

        EnqueueOrphanIfTracked(pod);
        foreach (var job in SelectingJobs(pod))
        {
            Enqueue(job);
        }
    }

    private void UpdatePod(V1Pod old, V1Pod cur)
    {
        if (old.Metadata.ResourceVersion == cur.Metadata.ResourceVersion)
        {
            return;
        }

        if (cur.Metadata.DeletionTimestamp is not null)
        {
            // Replacement pods may start as soon as the deletion begins, not when the pod is finally gone.
            DeletePod(cur, final: false);
            return;
        }

        // The finalizer may have been removed and re-added by a new owner between two events: the latest state counts.
        var finalizerRemoved = !JobPods.HasTrackingFinalizer(cur);
        var curRef = Objects.ControllerOf(cur.Metadata);
        var oldRef = Objects.ControllerOf(old.Metadata);
        if (oldRef is not null && oldRef.Uid != curRef?.Uid && Resolve(old.Metadata.NamespaceProperty, oldRef) is { } oldJob)
        {
            if (finalizerRemoved)
            {
                FinalizerExpectations.RemovalObserved(ObjectKey.Of(oldJob), cur.Metadata.Uid);
            }

            Enqueue(oldJob);
        }

        if (curRef is not null)
        {
            var job = Resolve(cur.Metadata.NamespaceProperty, curRef);
            if (job is null || IsFinished(job))
            {
                if (curRef.Kind == "Job")
                {
                    EnqueueOrphanIfTracked(cur);
                }

                return;
            }

            if (finalizerRemoved)
            {
                FinalizerExpectations.RemovalObserved(ObjectKey.Of(job), cur.Metadata.Uid);
            }

            Enqueue(job);
            return;
        }

        EnqueueOrphanIfTracked(cur);
        if (!Objects.JsonEqual(old.Metadata.Labels, cur.Metadata.Labels) || oldRef is not null)
        {
            foreach (var job in SelectingJobs(cur))
            {
                Enqueue(job);
            }
        }
    }

    private void DeletePod(V1Pod pod, bool final)
    {
        var controllerRef = Objects.ControllerOf(pod.Metadata);
        var hasFinalizer = JobPods.HasTrackingFinalizer(pod);
        if (controllerRef is null)
        {
            // The garbage collector may have removed the reference of a pod that belonged to a job.
            if (hasFinalizer && !final)
            {
                OrphanQueue.Add(ObjectKey.Of(pod));
            }

            return;
        }

        var job = Resolve(pod.Metadata.NamespaceProperty, controllerRef);
        if (job is null || IsFinished(job))
        {
            if (hasFinalizer && !final && controllerRef.Kind == "Job")
            {
                OrphanQueue.Add(ObjectKey.Of(pod));
            }

            return;
        }

        var key = ObjectKey.Of(job);
        Expectations.DeletionObserved(key, ObjectKey.Of(pod));
        if (final || !hasFinalizer)
        {
            FinalizerExpectations.RemovalObserved(key, pod.Metadata.Uid);
        }

        Enqueue(job);
    }

    /// <summary>
    /// Removes the tracking finalizer from a pod no job will count any more (syncOrphanPod), after checking
    /// that it is still an orphan or that its job has finished.
    /// </summary>
    internal async Task SyncOrphanPodAsync(string key, CancellationToken cancellationToken)
    {
        var pod = _pods.Indexer.Get(key);
        if (pod is null || !JobPods.HasTrackingFinalizer(pod))
        {
            return;
        }

        if (Objects.ControllerOf(pod.Metadata) is { } controllerRef)
        {
            var job = Resolve(pod.Metadata.NamespaceProperty, controllerRef);
            if (job is not null && (job.Spec?.ManagedBy is { } m && m != ManagedBy || !IsFinished(job)))
            {
                return;
            }
        }

        await RemoveFinalizerAsync(pod, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the tracking finalizer; true when it is gone (or the pod is).</summary>
    private async Task RemoveFinalizerAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty;
        var name = pod.Metadata.Name;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _podClient.PatchAsync(ns, name, OwnerPatches.WithoutFinalizer(pod.Metadata, JobPods.TrackingFinalizer), cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                return;
            }
            catch (ApiException ex) when (ex.IsConflict && attempt < 3)
            {
                // The guard on resourceVersion keeps other finalizers; read the pod again and retry.
                try
                {
                    pod = await _podClient.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
                }
                catch (ApiException gone) when (gone.IsNotFound)
                {
                    return;
                }

                if (!JobPods.HasTrackingFinalizer(pod))
                {
                    return;
                }
            }
        }
    }
}
