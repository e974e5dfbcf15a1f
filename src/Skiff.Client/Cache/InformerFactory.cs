using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;

namespace Skiff.Client.Cache;

/// <summary>
/// One informer per resource and type, shared by every controller that asks (client-go's
/// SharedInformerFactory), so each resource is listed and watched once per process.
/// </summary>
public sealed class InformerFactory(ApiConnection connection, InformerOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
{
    private readonly ConcurrentDictionary<(ApiResource Resource, Type Type), IRunnable> _informers = new();
    private readonly Lock _startLock = new();
    private readonly List<Task> _running = [];
    private readonly HashSet<IRunnable> _started = [];

    public ApiConnection Connection { get; } = connection;

    /// <summary>The shared informer of <paramref name="resource"/> decoded as <typeparamref name="T"/>.</summary>
    public SharedInformer<T> For<T>(ApiResource resource)
        where T : class, IKubernetesObject<V1ObjectMeta> =>
        (SharedInformer<T>)_informers.GetOrAdd((resource, typeof(T)), _ => new SharedInformer<T>(
            new ListWatch<T>(Connection.For<T>(resource)),
            options,
            timeProvider,
            loggerFactory.CreateLogger("Skiff.Client.Informer"),
            resource.GroupResource));

    /// <summary>Starts every informer created so far that is not running yet; call again after creating more.</summary>
    public void Start(CancellationToken cancellationToken)
    {
        lock (_startLock)
        {
            foreach (var informer in _informers.Values)
            {
                if (_started.Add(informer))
                {
                    _running.Add(Task.Run(() => informer.RunAsync(cancellationToken), CancellationToken.None));
                }
            }
        }
    }

    /// <summary>Completes once every started informer has synced.</summary>
    public async Task WaitForCacheSyncAsync(CancellationToken cancellationToken)
    {
        IRunnable[] started;
        lock (_startLock)
        {
            started = [.. _started];
        }

        await Task.WhenAll(started.Select(i => i.WaitForSyncAsync(cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>Waits for every running informer to stop (after cancellation).</summary>
    public Task StoppedAsync()
    {
        lock (_startLock)
        {
            return Task.WhenAll(_running);
        }
    }
}
