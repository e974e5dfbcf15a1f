using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.LeaderElection;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Queue;

namespace Skiff.Scheduler.Host;

/// <summary>
/// The scheduler process (kube-scheduler's app): an API client that, while it holds the kube-scheduler Lease in
/// kube-system, watches pods, nodes and namespaces and runs the scheduling loop. Losing the lease stops the
/// loop; winning it back starts again with fresh caches and an empty queue.
/// </summary>
internal sealed partial class SchedulerHost(ApiConnection connection, SchedulerOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("Skiff.Scheduler");
    private readonly TaskCompletionSource<Scheduler> _leading = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with the running scheduler once this instance leads and its caches have synced.</summary>
    public Task<Scheduler> Leading => _leading.Task;

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!options.LeaderElect)
        {
            await RunSchedulerAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var elector = new LeaderElector(connection.For<V1Lease>(ApiResource.Leases), options.LeaderElection, timeProvider, loggerFactory.CreateLogger("Skiff.Client.LeaderElection"));
        await elector.RunAsync(RunSchedulerAsync, cancellationToken).ConfigureAwait(false);
    }

    private async Task RunSchedulerAsync(CancellationToken cancellationToken)
    {
        var factory = new InformerFactory(connection, new InformerOptions { ResyncPeriod = options.ResyncPeriod }, timeProvider, loggerFactory);
        var claims = factory.For<V1PersistentVolumeClaim>(SchedulerResources.PersistentVolumeClaims);
        var volumes = factory.For<V1PersistentVolume>(SchedulerResources.PersistentVolumes);
        var classes = factory.For<V1StorageClass>(SchedulerResources.StorageClasses);
        var listers = new SchedulerListers
        {
            Claims = claims.Indexer,
            Volumes = volumes.Indexer,
            StorageClasses = classes.Indexer,
            DisruptionBudgets = factory.For<V1PodDisruptionBudget>(SchedulerResources.PodDisruptionBudgets).Indexer,
            Services = factory.For<V1Service>(ApiResource.Services).Indexer,
            ReplicationControllers = factory.For<V1ReplicationController>(ApiResource.ReplicationControllers).Indexer,
            ReplicaSets = factory.For<V1ReplicaSet>(ApiResource.ReplicaSets).Indexer,
            StatefulSets = factory.For<V1StatefulSet>(SchedulerResources.StatefulSets).Indexer,
        };
        var profiles = options.Configuration.BuildProfiles(new ClientContext(connection, new Random(), listers, timeProvider));
        var recorder = new EventRecorder(connection.For<Corev1Event>(ApiResource.Events), Scheduler.DefaultSchedulerName, Environment.MachineName, timeProvider, loggerFactory.CreateLogger("Skiff.Client.Events"));
        var cache = new SchedulerCache();
        var queue = new SchedulingQueue(timeProvider, options.Queue, plugin => profiles.Values.Aggregate(ClusterEvent.None, (e, p) => e | p.EventsFor(plugin)));
        var scheduler = new Scheduler(cache, queue, profiles, new PodStatusPatcher(connection), recorder, timeProvider, _logger);
        scheduler.AddEventHandlers(
            factory.For<V1Pod>(ApiResource.Pods),
            factory.For<V1Node>(ApiResource.Nodes),
            factory.For<V1Namespace>(ApiResource.Namespaces));
        scheduler.AddVolumeEventHandlers(claims, volumes, classes, listers);

        factory.Start(cancellationToken);
        var events = Task.Run(() => recorder.RunAsync(cancellationToken), CancellationToken.None);
        try
        {
            await factory.WaitForCacheSyncAsync(cancellationToken).ConfigureAwait(false);
            Log.Starting(_logger, string.Join(", ", profiles.Keys));
            _leading.TrySetResult(scheduler);
            await scheduler.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await events.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await factory.StoppedAsync().ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 10, EventName = "SchedulerStarting", Level = LogLevel.Information, Message = "scheduler caches synced, scheduling pods for profiles: {Profiles}")]
        public static partial void Starting(ILogger logger, string profiles);
    }
}
