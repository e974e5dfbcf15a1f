using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Namespace;

/// <summary>
/// Empties a namespace that is being deleted and then finalizes it, after kube-controller-manager's
/// namespace controller (pkg/controller/namespace/deletion): every namespaced resource that discovery lists
/// with list and delete verbs is listed and its objects deleted; while anything remains the namespace gets
/// NamespaceContentRemaining / NamespaceFinalizersRemaining conditions and is looked at again shortly; once
/// empty, the <c>kubernetes</c> finalizer is removed through namespaces/finalize and the API server deletes it.
/// </summary>
internal sealed partial class NamespaceController : IController
{
    public const string Finalizer = "kubernetes";

    private readonly IInformer<V1Namespace> _namespaces;
    private readonly IResourceClient<V1Namespace> _namespaceClient;
    private readonly Func<CancellationToken, Task<IReadOnlyList<ApiResource>>> _namespacedResources;
    private readonly Func<ApiResource, IResourceClient<ObjectMetadata>> _clientFor;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public NamespaceController(
        IInformer<V1Namespace> namespaces,
        IResourceClient<V1Namespace> namespaceClient,
        Func<CancellationToken, Task<IReadOnlyList<ApiResource>>> namespacedResources,
        Func<ApiResource, IResourceClient<ObjectMetadata>> clientFor,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _namespaces = namespaces;
        _namespaceClient = namespaceClient;
        _namespacedResources = namespacedResources;
        _clientFor = clientFor;
        _timeProvider = timeProvider;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;
        namespaces.AddEventHandler(new ResourceEventHandler<V1Namespace>(n => Enqueue(n), (_, n) => Enqueue(n)));
    }

    public string Name => "namespace";

    public RateLimitingQueue<string> Queue { get; }

    public SyncHandler Sync { get; set; }

    /// <summary>How soon a namespace with content left is examined again.</summary>
    public TimeSpan RecheckDelay { get; set; } = TimeSpan.FromSeconds(1);

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await _namespaces.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    private void Enqueue(V1Namespace ns)
    {
        if (ns.Metadata.DeletionTimestamp is not null)
        {
            Queue.Add(ns.Metadata.Name);
        }
    }

    internal async Task SyncAsync(string name, CancellationToken cancellationToken)
    {
        var ns = _namespaces.Indexer.Get(name);
        if (ns is null || ns.Metadata.DeletionTimestamp is null || ns.Spec?.Finalizers?.Contains(Finalizer) != true)
        {
            return;
        }

        var resources = await _namespacedResources(cancellationToken).ConfigureAwait(false);
        var remaining = new Dictionary<string, int>(StringComparer.Ordinal);
        var finalizers = new SortedSet<string>(StringComparer.Ordinal);
        var failures = new List<string>();
        foreach (var resource in resources)
        {
            var client = _clientFor(resource);
            try
            {
                var list = await client.ListAsync(name, new ListOptions(), cancellationToken).ConfigureAwait(false);
                foreach (var item in list.Items ?? [])
                {
                    remaining[resource.GroupResource] = remaining.GetValueOrDefault(resource.GroupResource) + 1;
                    foreach (var f in item.Metadata.Finalizers ?? [])
                    {
                        finalizers.Add(f);
                    }

                    if (item.Metadata.DeletionTimestamp is null)
                    {
                        // Background propagation: the garbage collector removes what these objects own.
                        await ApiErrors.IgnoreNotFoundAsync(() => client.DeleteAsync(name, item.Metadata.Name, new V1DeleteOptions { PropagationPolicy = "Background" }, cancellationToken)).ConfigureAwait(false);
                    }
                }
            }
            catch (ApiException ex) when (!ex.IsNotFound)
            {
                failures.Add($"{resource.GroupResource}: {ex.Message}");
            }
        }

        var now = _timeProvider.GetUtcNow().UtcDateTime;
        var conditions = new List<V1NamespaceCondition>
        {
            Condition("NamespaceDeletionContentFailure", failures.Count > 0, failures.Count > 0 ? "ContentDeletionFailed" : "ContentDeleted", failures.Count > 0 ? "Failed to delete all resource types, " + string.Join(", ", failures) : "All content successfully deleted, may be waiting on finalization", now),
            Condition("NamespaceContentRemaining", remaining.Count > 0, remaining.Count > 0 ? "SomeResourcesRemain" : "ContentRemoved", remaining.Count > 0 ? "Some resources are remaining: " + string.Join(", ", remaining.Select(r => $"{r.Key} has {r.Value} resource instances")) : "All content successfully removed", now),
            Condition("NamespaceFinalizersRemaining", finalizers.Count > 0, finalizers.Count > 0 ? "SomeFinalizersRemain" : "ContentHasNoFinalizers", finalizers.Count > 0 ? "Some content in the namespace has finalizers remaining: " + string.Join(", ", finalizers) : "All content-preserving finalizers finished", now),
        };
        await UpdateConditionsAsync(ns, conditions, cancellationToken).ConfigureAwait(false);

        if (failures.Count > 0)
        {
            throw new InvalidOperationException(string.Join("; ", failures));
        }

        if (remaining.Count > 0)
        {
            Log.ContentRemaining(_logger, name, remaining.Values.Sum());
            throw new RequeueAfterException(RecheckDelay);
        }

        var fresh = await _namespaceClient.GetAsync(null, name, cancellationToken).ConfigureAwait(false);
        fresh.Spec ??= new V1NamespaceSpec();
        fresh.Spec.Finalizers = fresh.Spec.Finalizers?.Where(f => f != Finalizer).ToList();
        try
        {
            await _namespaceClient.UpdateAsync(fresh, cancellationToken, "finalize").ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
    }

    private static V1NamespaceCondition Condition(string type, bool isTrue, string reason, string message, DateTime now) => new()
    {
        Type = type,
        Status = isTrue ? "True" : "False",
        Reason = reason,
        Message = message,
        LastTransitionTime = now,
    };

    private async Task UpdateConditionsAsync(V1Namespace ns, List<V1NamespaceCondition> conditions, CancellationToken cancellationToken)
    {
        var current = ns.Status?.Conditions ?? [];
        var changed = conditions.Any(c => current.FirstOrDefault(x => x.Type == c.Type) is not { } old || old.Status != c.Status || old.Message != c.Message);
        if (!changed)
        {
            return;
        }

        var copy = Objects.Clone(ns);
        copy.Status ??= new V1NamespaceStatus();
        foreach (var c in conditions)
        {
            if (current.FirstOrDefault(x => x.Type == c.Type) is { } old && old.Status == c.Status)
            {
                c.LastTransitionTime = old.LastTransitionTime;
            }
        }

        copy.Status.Conditions = conditions;
        try
        {
            await _namespaceClient.UpdateAsync(copy, cancellationToken, "status").ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsConflict || ex.IsNotFound)
        {
            // Conditions are advisory; the next pass writes them again.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "NamespaceContentRemaining", Level = LogLevel.Debug, Message = "namespace {Namespace}: {Count} objects remain")]
        public static partial void ContentRemaining(ILogger logger, string @namespace, int count);
    }
}
