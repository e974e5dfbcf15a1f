using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.LeaderElection;
using Skiff.Controllers.Common;
using Skiff.Controllers.Deployment;
using Skiff.Controllers.Metrics;
using Skiff.Controllers.Namespace;
using Skiff.Controllers.ReplicaSet;
using Skiff.Controllers.ServiceAccount;

namespace Skiff.Controllers.Manager;

/// <summary>
/// The controller manager (kube-controller-manager's app): an API client with its own identity that, while it
/// holds the leader Lease, runs every controller over shared informers. Losing the lease stops the controllers;
/// they start again, with fresh caches, if it is won back.
/// </summary>
public sealed partial class ControllerManager(ApiConnection connection, ControllerManagerOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
{
    private static readonly HashSet<string> IgnoredByGarbageCollector = new(StringComparer.Ordinal) { "/events", "events.k8s.io/events" };

    private readonly ILogger _logger = loggerFactory.CreateLogger("Skiff.Controllers");
    private readonly TaskCompletionSource _leading = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when this manager first starts its controllers (it won the election, or runs without one).</summary>
    public Task Leading => _leading.Task;

    /// <summary>Runs until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (!options.LeaderElect)
        {
            await RunControllersAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        var elector = new LeaderElector(connection.For<V1Lease>(ApiResource.Leases), options.LeaderElection, timeProvider, loggerFactory.CreateLogger("Skiff.Client.LeaderElection"));
        await elector.RunAsync(RunControllersAsync, cancellationToken).ConfigureAwait(false);
    }

    private async Task RunControllersAsync(CancellationToken cancellationToken)
    {
        var factory = new InformerFactory(connection, new InformerOptions { ResyncPeriod = options.ResyncPeriod }, timeProvider, loggerFactory);
        var discovery = new Discovery(connection);
        List<DiscoveredResource> resources;
        while (true)
        {
            try
            {
                resources = await discovery.ServerPreferredResourcesAsync(cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException)
            {
                Log.DiscoveryFailed(_logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), timeProvider, cancellationToken).ConfigureAwait(false);
            }
        }

        var host = Environment.MachineName;
        var recorders = new List<EventRecorder>();
        EventRecorder Recorder(string component)
        {
            var r = new EventRecorder(Client(EventAccount(component)).For<Corev1Event>(ApiResource.Events), component, host, timeProvider, loggerFactory.CreateLogger("Skiff.Client.Events"));
            recorders.Add(r);
            return r;
        }

        ILogger Logger(string name) => loggerFactory.CreateLogger("Skiff.Controllers." + name);

        var pods = factory.For<V1Pod>(ApiResource.Pods);
        var replicaSets = factory.For<V1ReplicaSet>(ApiResource.ReplicaSets);
        var namespaces = factory.For<V1Namespace>(ApiResource.Namespaces);
        var controllers = new List<(IController Controller, int Workers)>
        {
            (new ReplicaSetController<V1ReplicaSet>("replicaset", ReplicaSetAdapter.Instance, replicaSets, pods, Client("replicaset-controller").For<V1Pod>(ApiResource.Pods), Client("replicaset-controller").For<V1ReplicaSet>(ApiResource.ReplicaSets), Recorder("replicaset-controller"), new ReplicaSetControllerOptions(), timeProvider, Logger("ReplicaSet")), options.ReplicaSetWorkers),
            (new ReplicaSetController<V1ReplicationController>("replicationcontroller", ReplicationControllerAdapter.Instance, factory.For<V1ReplicationController>(ApiResource.ReplicationControllers), pods, Client("replication-controller").For<V1Pod>(ApiResource.Pods), Client("replication-controller").For<V1ReplicationController>(ApiResource.ReplicationControllers), Recorder("replication-controller"), new ReplicaSetControllerOptions(), timeProvider, Logger("ReplicationController")), options.ReplicationControllerWorkers),
            (new DeploymentController(factory.For<V1Deployment>(ApiResource.Deployments), replicaSets, pods, Client("deployment-controller").For<V1Deployment>(ApiResource.Deployments), Client("deployment-controller").For<V1ReplicaSet>(ApiResource.ReplicaSets), Recorder("deployment-controller"), timeProvider, Logger("Deployment")), options.DeploymentWorkers),
            (new ServiceAccountController(namespaces, factory.For<V1ServiceAccount>(ApiResource.ServiceAccounts), Client("service-account-controller").For<V1ServiceAccount>(ApiResource.ServiceAccounts), timeProvider, Logger("ServiceAccount")), options.ServiceAccountWorkers),
            (new NamespaceController(
                namespaces,
                Client("namespace-controller").For<V1Namespace>(ApiResource.Namespaces),
                async ct => (await discovery.ServerPreferredResourcesAsync(ct).ConfigureAwait(false))
                    .Where(r => r.Resource.Namespaced && r.Supports("list", "delete")).Select(r => r.Resource).ToList(),
                Client("namespace-controller").For<ObjectMetadata>,
                timeProvider,
                Logger("Namespace")), options.NamespaceWorkers),
        };

        var byKind = resources.GroupBy(r => (r.Resource.Group, r.Resource.Kind)).ToDictionary(g => g.Key, g => g.First().Resource);
        var monitored = resources.Where(r => r.Supports("list", "watch", "delete") && !IgnoredByGarbageCollector.Contains(r.Resource.Group + "/" + r.Resource.Plural))
            .Select(r => (r.Resource, (IInformer<ObjectMetadata>)factory.For<ObjectMetadata>(r.Resource)))
            .ToList();
        controllers.Add((new GarbageCollector.GarbageCollector(monitored, Client("generic-garbage-collector").For<ObjectMetadata>, (group, kind) => byKind.GetValueOrDefault((group, kind)), timeProvider, Logger("GarbageCollector")), options.GarbageCollectorWorkers));

        controllers.AddRange(PolicyControllers(factory, Logger));
        controllers.AddRange(NodeControllers(factory, Recorder, Logger));
        foreach (var extra in AdditionalControllers(factory, Recorder, Logger))
        {
            controllers.Add(extra);
        }

        controllers.AddRange(AppsControllers(factory, Recorder, Logger));
        controllers.AddRange(BatchControllers(factory, Recorder, Logger));

        foreach (var (controller, _) in controllers)
        {
            if (controller.Queue is { } queue)
            {
                queue.Metrics = new ControllerQueueMetrics(options.MetricsRegistry, controller.Name);
            }
        }

        factory.Start(cancellationToken);
        Log.Starting(_logger, controllers.Count);
        _leading.TrySetResult();
        var running = controllers.Select(c => Task.Run(() => c.Controller.RunAsync(c.Workers, cancellationToken), CancellationToken.None))
            .Concat(recorders.Select(r => Task.Run(() => r.RunAsync(cancellationToken), CancellationToken.None)))
            .ToList();
        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await factory.StoppedAsync().ConfigureAwait(false);
    }

    private partial IEnumerable<(IController Controller, int Workers)> AdditionalControllers(InformerFactory factory, Func<string, EventRecorder> recorder, Func<string, ILogger> logger);

    /// <summary>
    /// The connection a controller writes with: its service account's (named as kube-controller-manager names them,
    /// e.g. <c>replicaset-controller</c>) when <see cref="ControllerManagerOptions.ControllerClients"/> is set, else the
    /// manager's own. Informers, discovery and leader election always use the manager's own connection.
    /// </summary>
    private ApiConnection Client(string controller) => options.ControllerClients?.For(controller) ?? connection;

    /// <summary>The service account whose connection records the events of an event source (the controller that runs it).</summary>
    private static string EventAccount(string component) => component switch
    {
        "service-lb-controller" => "service-controller",
        "taint-eviction-controller" => "node-controller",
        "daemonset-controller" => "daemon-set-controller",
        "persistentvolume-controller" => "persistent-volume-binder",
        _ when component.StartsWith(LocalPath.LocalPathProvisioner.ProvisionerName, StringComparison.Ordinal) => LocalPathAccount,
        _ => component,
    };

    /// <summary>The account of the local-path provisioner, which Kubernetes has no controller of (bound to system:persistent-volume-provisioner).</summary>
    private const string LocalPathAccount = "local-path-provisioner";

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "ControllersStarting", Level = LogLevel.Information, Message = "starting {Count} controllers")]
        public static partial void Starting(ILogger logger, int count);

        [LoggerMessage(EventId = 2, EventName = "DiscoveryFailed", Level = LogLevel.Warning, Message = "discovery failed, retrying: {Error}")]
        public static partial void DiscoveryFailed(ILogger logger, string error);
    }
}
