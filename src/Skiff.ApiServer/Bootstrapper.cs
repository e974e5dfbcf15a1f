using k8s.Models;
using Microsoft.Extensions.Hosting;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer;

/// <summary>Creates what every cluster has from the start (the system namespaces) once the caches are loaded.</summary>
internal sealed partial class Bootstrapper(CacheDispatcher dispatcher, ResourceRegistry registry, IServiceProvider services, ILogger<Bootstrapper> logger) : BackgroundService
{
    /// <summary>The namespaces Kubernetes creates at start.</summary>
    public static readonly string[] SystemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the server is ready to serve.</summary>
    public Task Done => _done.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await dispatcher.Ready.WaitAsync(stoppingToken).ConfigureAwait(false);
            var namespaces = registry.Store<V1Namespace>();
            foreach (var name in SystemNamespaces)
            {
                if (namespaces.Cache.Get(namespaces.Key(null, name)) is not null)
                {
                    continue;
                }

                try
                {
                    await namespaces.CreateAsync(null, new V1Namespace { Metadata = new V1ObjectMeta { Name = name } }, false, stoppingToken).ConfigureAwait(false);
                    Log.NamespaceCreated(logger, name);
                }
                catch (ApiException e) when (e.Code == 409)
                {
                    // Another server created it first.
                }
            }

            var classes = registry.Store<V1PriorityClass>();
            foreach (var pc in PriorityAdmission.SystemClasses)
            {
                if (classes.Cache.Get(classes.Key(null, pc.Metadata.Name)) is not null)
                {
                    continue;
                }

                try
                {
                    var copy = ApiJson.Deserialize<V1PriorityClass>(ApiJson.Serialize(pc));
                    await classes.CreateAsync(null, copy, false, stoppingToken).ConfigureAwait(false);
                }
                catch (ApiException e) when (e.Code == 409)
                {
                    // Another server created it first.
                }
            }

            await EnsureRbacDefaultsAsync(stoppingToken).ConfigureAwait(false);
            await EnsureKubernetesServiceAsync(stoppingToken).ConfigureAwait(false);
            await EnsureDefaultStorageClassAsync(stoppingToken).ConfigureAwait(false);
            await dispatcher.WaitFreshAsync(TimeSpan.FromSeconds(10), stoppingToken).ConfigureAwait(false);
            _done.TrySetResult();
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped before it finished (for example the port could not be bound): not a bootstrap failure.
            _done.TrySetCanceled(stoppingToken);
        }
        catch (Exception e)
        {
            Log.BootstrapFailed(logger, e);
            _done.TrySetException(e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Created namespace {Name}", EventName = "NamespaceCreated")]
        public static partial void NamespaceCreated(ILogger logger, string name);

        [LoggerMessage(3, LogLevel.Warning, "No non-loopback address to publish in the endpoints of Service default/kubernetes; set --advertise-address", EventName = "NoAdvertiseAddress")]
        public static partial void NoAdvertiseAddress(ILogger logger);

        [LoggerMessage(2, LogLevel.Error, "Bootstrap failed", EventName = "BootstrapFailed")]
        public static partial void BootstrapFailed(ILogger logger, Exception ex);
    }
}
