using k8s.Models;
using Skiff.Controllers.Common;
using Skiff.Controllers.Deployment;

namespace Skiff.Controllers.Disruption;

/// <summary>
/// The arithmetic of a PodDisruptionBudget's status, as kube-controller-manager's disruption controller does it
/// (getExpectedPodCount, buildDisruptedPodMap, countHealthyPods, updatePdbStatus). Pure functions.
/// </summary>
internal static class BudgetMath
{
    /// <summary>How long an eviction's entry in status.disruptedPods waits for the pod to go (DeletionTimeout).</summary>
    public static readonly TimeSpan DeletionTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// (expectedCount, desiredHealthy): maxUnavailable and percentage minAvailable are resolved against the
    /// controllers' scale (percentages round up); an integer minAvailable needs no scale and expects the pods there are.
    /// <paramref name="scale"/> is called only when the controllers' scale is needed.
    /// </summary>
    public static (int Expected, int DesiredHealthy) Expected(V1PodDisruptionBudgetSpec spec, int podCount, Func<int> scale)
    {
        if (spec.MaxUnavailable is { } maxUnavailable)
        {
            var expected = scale();
            var unavailable = DeploymentUtil.Scaled(maxUnavailable, expected, true, 0);
            return (expected, Math.Max(0, expected - unavailable));
        }

        if (spec.MinAvailable is { } minAvailable)
        {
            if (!minAvailable.Value.EndsWith('%'))
            {
                return (podCount, DeploymentUtil.Scaled(minAvailable, 0, true, 0));
            }

            var expected = scale();
            return (expected, DeploymentUtil.Scaled(minAvailable, expected, true, 0));
        }

        return (0, 0);
    }

    /// <summary>
    /// The disrupted-pods entries still pending: those of live pods whose deletion is not overdue. Also returns the
    /// earliest moment an entry expires, when the budget must be looked at again.
    /// </summary>
    public static (Dictionary<string, DateTime?> Disrupted, DateTimeOffset? Recheck) DisruptedPods(V1PodDisruptionBudget pdb, IEnumerable<V1Pod> pods, DateTimeOffset now)
    {
        var result = new Dictionary<string, DateTime?>(StringComparer.Ordinal);
        DateTimeOffset? recheck = null;
        var recorded = pdb.Status?.DisruptedPods ?? new Dictionary<string, DateTime?>();
        foreach (var pod in pods)
        {
            if (pod.Metadata.DeletionTimestamp is not null || !recorded.TryGetValue(pod.Metadata.Name, out var at) || at is not { } when)
            {
                continue;
            }

            var due = new DateTimeOffset(DateTime.SpecifyKind(when, DateTimeKind.Utc)) + DeletionTimeout;
            if (due < now)
            {
                continue;
            }

            recheck = recheck is { } r && r < due ? r : due;
            result[pod.Metadata.Name] = when;
        }

        return (result, recheck);
    }

    /// <summary>countHealthyPods: ready pods that are neither being deleted nor already counted as disrupted.</summary>
    public static int Healthy(IEnumerable<V1Pod> pods, IReadOnlyDictionary<string, DateTime?> disrupted) =>
        pods.Count(p => p.Metadata.DeletionTimestamp is null && !disrupted.ContainsKey(p.Metadata.Name) && Pods.IsReady(p));

    /// <summary>disruptionsAllowed: the healthy pods beyond the desired ones, never negative, and none when no pods are expected.</summary>
    public static int Allowed(int currentHealthy, int desiredHealthy, int expected) =>
        expected <= 0 ? 0 : Math.Max(0, currentHealthy - desiredHealthy);
}
