using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.ClusterRoleAggregation;

/// <summary>
/// kube-controller-manager's clusterrole-aggregation controller: a ClusterRole with an <c>aggregationRule</c> gets as
/// its rules the union of the rules of every other ClusterRole its <c>clusterRoleSelectors</c> match, kept up to date
/// as those roles come, change and go. That is how the default <c>admin</c>, <c>edit</c> and <c>view</c> roles take
/// in the rules of <c>rbac.authorization.k8s.io/aggregate-to-*</c> ClusterRoles a CRD author ships. Keys are
/// ClusterRole names.
/// </summary>
internal sealed partial class ClusterRoleAggregationController : IController
{
    public static readonly ApiResource ClusterRoles = new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false);

    private readonly IInformer<V1ClusterRole> _clusterRoles;
    private readonly IResourceClient<V1ClusterRole> _client;
    private readonly ILogger _logger;

    public ClusterRoleAggregationController(IInformer<V1ClusterRole> clusterRoles, IResourceClient<V1ClusterRole> client, TimeProvider timeProvider, ILogger logger)
    {
        _clusterRoles = clusterRoles;
        _client = client;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;

        // Any change to any ClusterRole may change what an aggregated role selects, so every aggregated role is
        // looked at again (as Kubernetes' controller enqueues them all); the queue folds the repeats.
        clusterRoles.AddEventHandler(new ResourceEventHandler<V1ClusterRole>(_ => EnqueueAggregated(), (_, _) => EnqueueAggregated(), _ => EnqueueAggregated()));
    }

    public string Name => "clusterrole-aggregation";

    public RateLimitingQueue<string> Queue { get; }

    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await _clusterRoles.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    internal async Task SyncAsync(string name, CancellationToken cancellationToken)
    {
        var role = _clusterRoles.Indexer.Get(null, name);
        if (role?.AggregationRule?.ClusterRoleSelectors is not { } selectors)
        {
            return;
        }

        var rules = Aggregate(name, selectors, _clusterRoles.Indexer.List());
        if (SameRules(role.Rules, rules))
        {
            return;
        }

        var copy = Objects.Clone(role);
        copy.Rules = rules;
        try
        {
            await _client.UpdateAsync(copy, cancellationToken).ConfigureAwait(false);
            Log.Aggregated(_logger, name, rules.Count);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            // Deleted meanwhile: nothing to keep up to date.
        }
    }

    /// <summary>
    /// The union of the matched roles' rules, each rule once, roles in name order (stable output, so an unchanged
    /// input never causes a write). The role never aggregates itself.
    /// </summary>
    internal static List<V1PolicyRule> Aggregate(string name, IList<V1LabelSelector> selectors, IEnumerable<V1ClusterRole> all)
    {
        var rules = new List<V1PolicyRule>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var other in all.Where(r => r.Metadata.Name != name).OrderBy(r => r.Metadata.Name, StringComparer.Ordinal))
        {
            if (!selectors.Any(s => Selectors.Matches(s, other.Metadata.Labels)))
            {
                continue;
            }

            foreach (var rule in other.Rules ?? [])
            {
                if (seen.Add(KubernetesJson.Serialize(rule)))
                {
                    rules.Add(rule);
                }
            }
        }

        return rules;
    }

    private static bool SameRules(IList<V1PolicyRule>? current, List<V1PolicyRule> wanted) =>
        (current ?? []).Select(r => KubernetesJson.Serialize(r)).SequenceEqual(wanted.Select(r => KubernetesJson.Serialize(r)));

    private void EnqueueAggregated()
    {
        foreach (var role in _clusterRoles.Indexer.List())
        {
            if (role.AggregationRule is not null)
            {
                Queue.Add(role.Metadata.Name);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, EventName = "ClusterRoleAggregated", Message = "ClusterRole {Name} now aggregates {Count} rules")]
        public static partial void Aggregated(ILogger logger, string name, int count);
    }
}
