using k8s.Models;
using Skiff.Api.Policy;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Registry.Core.Pods;

/// <summary>
/// The pods/eviction subresource's rules (kube-apiserver's EvictionREST): a pod is deleted only if the one
/// PodDisruptionBudget that selects it allows a disruption, which is taken from the budget's
/// status.disruptionsAllowed by a compare-and-swap on the budget (recording the pod in status.disruptedPods until
/// the disruption controller sees it gone); otherwise 429 TooManyRequests. Pods that are not running (pending,
/// finished, already being deleted) and, by the budget's unhealthyPodEvictionPolicy, unready pods are deleted
/// without consulting the budget's allowance. Thread-safe.
/// </summary>
internal sealed class PodEviction(ResourceRegistry registry, TimeProvider time)
{
    /// <summary>The most pods a budget may list as disrupted and unconfirmed (MaxDisruptedPodSize).</summary>
    private const int MaxDisruptedPods = 2000;

    public const string TooManyRequestsMessage = "Cannot evict pod as it would violate the pod's disruption budget.";

    public async ValueTask EvictAsync(string ns, string name, V1DeleteOptions? options, bool dryRun, CancellationToken ct)
    {
        var pods = registry.Store<V1Pod>();
        var pod = pods.Decode(await pods.GetAsync(ns, name, string.Empty, ct).ConfigureAwait(false));
        options ??= new V1DeleteOptions();
        if (CanIgnoreBudget(pod))
        {
            await pods.DeleteAsync(ns, name, options, dryRun, ct).ConfigureAwait(false);
            return;
        }

        var budgets = Budgets(pod);
        if (budgets.Count > 1)
        {
            throw new ApiException(500, null!, "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
        }

        if (budgets.Count == 1)
        {
            var pdb = budgets[0];
            if (!IsReady(pod) && UnhealthyMayGo(pdb))
            {
                // Deleted only if the pod is still the unready one judged here (it might have become ready meanwhile).
                options.Preconditions ??= new V1Preconditions();
                options.Preconditions.ResourceVersion ??= pod.Metadata.ResourceVersion;
            }
            else
            {
                await TakeDisruptionAsync(pdb.Metadata.Name, ns, name, dryRun, ct).ConfigureAwait(false);
            }
        }

        await pods.DeleteAsync(ns, name, options, dryRun, ct).ConfigureAwait(false);
    }

    /// <summary>canIgnorePDB: a pod that is pending, finished or already being deleted disrupts nothing more.</summary>
    internal static bool CanIgnoreBudget(V1Pod pod) =>
        pod.Status?.Phase is "Succeeded" or "Failed" or "Pending" || pod.Metadata.DeletionTimestamp is not null;

    internal static bool IsReady(V1Pod pod) => pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    /// <summary>An unready pod may go without spending the budget: always (AlwaysAllow) or while the budget is met (IfHealthyBudget).</summary>
    internal static bool UnhealthyMayGo(V1PodDisruptionBudget pdb) =>
        pdb.Spec?.UnhealthyPodEvictionPolicy == "AlwaysAllow"
        || ((pdb.Status?.CurrentHealthy ?? 0) >= (pdb.Status?.DesiredHealthy ?? 0) && (pdb.Status?.DesiredHealthy ?? 0) > 0);

    /// <summary>The budgets of the pod's namespace whose (non-empty) selector matches its labels.</summary>
    private List<V1PodDisruptionBudget> Budgets(V1Pod pod)
    {
        var store = registry.Store<V1PodDisruptionBudget>();
        var prefix = store.Info.NamespacePrefix(pod.Metadata.NamespaceProperty);
        return store.Cache.Snapshot().Items.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
            .Select(kv => store.Decode(kv.Value))
            .Where(pdb => SelectorMatches(pdb.Spec?.Selector, pod.Metadata.Labels))
            .ToList();
    }

    /// <summary>LabelSelectorAsSelector, except that a nil or empty selector matches nothing here.</summary>
    internal static bool SelectorMatches(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        if (selector is null || ((selector.MatchLabels?.Count ?? 0) == 0 && (selector.MatchExpressions?.Count ?? 0) == 0))
        {
            return false;
        }

        labels ??= new Dictionary<string, string>();
        return (selector.MatchLabels ?? new Dictionary<string, string>()).All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value)
            && (selector.MatchExpressions ?? []).All(e =>
            {
                var has = labels.TryGetValue(e.Key, out var v);
                return e.OperatorProperty switch
                {
                    "In" => has && (e.Values ?? []).Contains(v!),
                    "NotIn" => !has || !(e.Values ?? []).Contains(v!),
                    "Exists" => has,
                    "DoesNotExist" => !has,
                    _ => false,
                };
            });
    }

    /// <summary>checkAndDecrement: spends one allowed disruption of the budget, or refuses with 429.</summary>
    private async ValueTask TakeDisruptionAsync(string pdbName, string ns, string podName, bool dryRun, CancellationToken ct)
    {
        var store = registry.Store<V1PodDisruptionBudget>();
        await store.UpdateAsync(ns, pdbName, UpdateKind.Status, current =>
        {
            if (current is null)
            {
                throw ApiException.NotFound(store.Info, pdbName);
            }

            Decrement(current, podName, time.GetUtcNow().UtcDateTime);
            return current;
        }, dryRun, ct).ConfigureAwait(false);
    }

    /// <summary>The budget arithmetic of one eviction, applied to <paramref name="pdb"/>'s status; throws when the budget refuses.</summary>
    internal static void Decrement(V1PodDisruptionBudget pdb, string podName, DateTime now)
    {
        var status = pdb.Status ??= new V1PodDisruptionBudgetStatus();
        var name = pdb.Metadata.Name;
        if ((status.ObservedGeneration ?? 0) < (pdb.Metadata.Generation ?? 0))
        {
            throw TooManyRequests($"The disruption budget {name} is still being processed by the server.");
        }

        if (status.DisruptionsAllowed < 0)
        {
            throw ApiException.Forbidden($"poddisruptionbudget.policy \"{name}\" is forbidden: pdb disruptions allowed is negative");
        }

        if ((status.DisruptedPods?.Count ?? 0) > MaxDisruptedPods)
        {
            throw ApiException.Forbidden($"poddisruptionbudget.policy \"{name}\" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller");
        }

        if (status.DisruptionsAllowed == 0)
        {
            throw TooManyRequests($"The disruption budget {name} needs {status.DesiredHealthy} healthy pods and has {status.CurrentHealthy} currently");
        }

        status.DisruptionsAllowed--;
        if (status.DisruptionsAllowed == 0)
        {
            DisruptionAllowedCondition.Update(pdb, now);
        }

        status.DisruptedPods ??= new Dictionary<string, DateTime?>();
        status.DisruptedPods[podName] = now;
    }

    private static ApiException TooManyRequests(string cause) =>
        new(429, "TooManyRequests", TooManyRequestsMessage, new V1StatusDetails
        {
            RetryAfterSeconds = 0,
            Causes = [new V1StatusCause { Reason = "DisruptionBudget", Message = cause }],
        });
}
