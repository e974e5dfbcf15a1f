using k8s.Models;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.PodAutoscaler;

/// <summary>
/// The HPA's replica calculation for resource metrics (kube's pkg/controller/podautoscaler/replica_calculator.go):
/// usage over target as a ratio of the ready pods' total, no change within the tolerance, and, when pods lack
/// metrics or are not ready yet, a second pass that assumes the least favourable usage for them (100% of target or
/// more for missing pods on scale-down, 0 on scale-up) and gives up the change if that would reverse its direction.
/// Pure: all inputs are passed in.
/// </summary>
internal sealed class ReplicaCalculator(double tolerance, TimeSpan cpuInitializationPeriod, TimeSpan initialReadinessDelay)
{
    /// <summary>
    /// Replicas for an average-utilization target (percent of request); also returns the current utilization and
    /// the raw average usage (milli-units) of the pods with requests.
    /// </summary>
    public (int Replicas, int Utilization, long RawAverage) ResourceReplicas(
        int currentReplicas, int targetUtilization, string resource, string? container, IReadOnlyList<V1Pod> pods, IReadOnlyDictionary<string, PodMetric> sampled, DateTimeOffset now)
    {
        if (pods.Count == 0)
        {
            throw new ReplicaCalculationException("no pods returned by selector while calculating replica count");
        }

        var metrics = new Dictionary<string, long>(sampled.ToDictionary(kv => kv.Key, kv => kv.Value.MilliValue), StringComparer.Ordinal);
        var (readyCount, unready, missing, ignored) = GroupPods(pods, sampled, resource, now);
        RemoveAll(metrics, ignored);
        RemoveAll(metrics, unready);
        if (metrics.Count == 0)
        {
            throw new ReplicaCalculationException("did not receive metrics for targeted pods (pods might be unready)");
        }

        var requests = PodRequests(pods, container, resource);
        var (ratio, utilization, raw) = UtilizationRatio(metrics, requests, targetUtilization);
        var scaleUpWithUnready = unready.Count > 0 && ratio > 1.0;
        if (!scaleUpWithUnready && missing.Count == 0)
        {
            if (Math.Abs(1.0 - ratio) <= tolerance)
            {
                return (currentReplicas, utilization, raw);
            }

            return ((int)Math.Ceiling(ratio * readyCount), utilization, raw);
        }

        if (missing.Count > 0)
        {
            foreach (var pod in missing)
            {
                if (ratio < 1.0)
                {
                    // On a scale-down, a pod without metrics is taken to use its full request (or the target if higher).
                    metrics[pod] = requests.GetValueOrDefault(pod) * Math.Max(100, targetUtilization) / 100;
                }
                else if (ratio > 1.0)
                {
                    metrics[pod] = 0;
                }
            }
        }

        if (scaleUpWithUnready)
        {
            foreach (var pod in unready)
            {
                metrics[pod] = 0;
            }
        }

        var (newRatio, _, _) = UtilizationRatio(metrics, requests, targetUtilization);
        if (Math.Abs(1.0 - newRatio) <= tolerance || (ratio < 1.0 && newRatio > 1.0) || (ratio > 1.0 && newRatio < 1.0))
        {
            return (currentReplicas, utilization, raw);
        }

        var replicas = (int)Math.Ceiling(newRatio * metrics.Count);
        if ((newRatio < 1.0 && replicas > currentReplicas) || (newRatio > 1.0 && replicas < currentReplicas))
        {
            return (currentReplicas, utilization, raw);
        }

        return (replicas, utilization, raw);
    }

    /// <summary>Replicas for an average-value target (milli-units per pod); also returns the current average usage.</summary>
    public (int Replicas, long Usage) RawResourceReplicas(
        int currentReplicas, long targetMilli, string resource, IReadOnlyList<V1Pod> pods, IReadOnlyDictionary<string, PodMetric> sampled, DateTimeOffset now)
    {
        if (pods.Count == 0)
        {
            throw new ReplicaCalculationException("no pods returned by selector while calculating replica count");
        }

        var metrics = new Dictionary<string, long>(sampled.ToDictionary(kv => kv.Key, kv => kv.Value.MilliValue), StringComparer.Ordinal);
        var (readyCount, unready, missing, ignored) = GroupPods(pods, sampled, resource, now);
        RemoveAll(metrics, ignored);
        RemoveAll(metrics, unready);
        if (metrics.Count == 0)
        {
            throw new ReplicaCalculationException("did not receive metrics for targeted pods (pods might be unready)");
        }

        var (ratio, usage) = UsageRatio(metrics, targetMilli);
        var scaleUpWithUnready = unready.Count > 0 && ratio > 1.0;
        if (!scaleUpWithUnready && missing.Count == 0)
        {
            if (Math.Abs(1.0 - ratio) <= tolerance)
            {
                return (currentReplicas, usage);
            }

            return ((int)Math.Ceiling(ratio * readyCount), usage);
        }

        foreach (var pod in missing)
        {
            metrics[pod] = ratio < 1.0 ? targetMilli : 0;
        }

        if (scaleUpWithUnready)
        {
            foreach (var pod in unready)
            {
                metrics[pod] = 0;
            }
        }

        var (newRatio, _) = UsageRatio(metrics, targetMilli);
        if (Math.Abs(1.0 - newRatio) <= tolerance || (ratio < 1.0 && newRatio > 1.0) || (ratio > 1.0 && newRatio < 1.0))
        {
            return (currentReplicas, usage);
        }

        var replicas = (int)Math.Ceiling(newRatio * metrics.Count);
        if ((newRatio < 1.0 && replicas > currentReplicas) || (newRatio > 1.0 && replicas < currentReplicas))
        {
            return (currentReplicas, usage);
        }

        return (replicas, usage);
    }

    /// <summary>
    /// kube's groupPods: deleted and failed pods are ignored, pending ones count as unready, pods without a sample as
    /// missing; for CPU a pod still initialising (or never ready) is unready so its start-up burst does not count.
    /// </summary>
    private (int Ready, HashSet<string> Unready, HashSet<string> Missing, HashSet<string> Ignored) GroupPods(
        IReadOnlyList<V1Pod> pods, IReadOnlyDictionary<string, PodMetric> metrics, string resource, DateTimeOffset now)
    {
        var ready = 0;
        var unready = new HashSet<string>(StringComparer.Ordinal);
        var missing = new HashSet<string>(StringComparer.Ordinal);
        var ignored = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var name = pod.Metadata.Name;
            if (pod.Metadata.DeletionTimestamp is not null || pod.Status?.Phase is "Failed" or "Succeeded")
            {
                ignored.Add(name);
                continue;
            }

            if (pod.Status?.Phase == "Pending")
            {
                unready.Add(name);
                continue;
            }

            if (!metrics.TryGetValue(name, out var metric))
            {
                missing.Add(name);
                continue;
            }

            if (resource == "cpu")
            {
                var condition = Pods.Condition(pod, "Ready");
                bool isUnready;
                if (condition is null || pod.Status?.StartTime is not { } started)
                {
                    isUnready = true;
                }
                else
                {
                    var start = Utc(started);
                    var transition = condition.LastTransitionTime is { } t ? Utc(t) : DateTimeOffset.MinValue;
                    if (start + cpuInitializationPeriod > now)
                    {
                        // Still initialising: count the sample only if ready and taken a full window after becoming ready.
                        isUnready = condition.Status == "False" || metric.Timestamp < transition + metric.Window;
                    }
                    else
                    {
                        // Past initialisation: ignore only a pod that is unready and has never been ready.
                        isUnready = condition.Status == "False" && start + initialReadinessDelay > transition;
                    }
                }

                if (isUnready)
                {
                    unready.Add(name);
                    continue;
                }
            }

            ready++;
        }

        return (ready, unready, missing, ignored);
    }

    /// <summary>Each pod's request for the resource in milli-units, over its containers and restartable init containers.</summary>
    private static Dictionary<string, long> PodRequests(IReadOnlyList<V1Pod> pods, string? container, string resource)
    {
        var requests = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            long sum = 0;
            var containers = (pod.Spec?.Containers ?? []).Concat((pod.Spec?.InitContainers ?? []).Where(c => c.RestartPolicy == "Always"));
            foreach (var c in containers)
            {
                if (container is not null && c.Name != container)
                {
                    continue;
                }

                if (c.Resources?.Requests is { } r && r.TryGetValue(resource, out var q))
                {
                    sum += (long)Math.Ceiling(q.ToDecimal() * 1000);
                }
                else
                {
                    throw new ReplicaCalculationException($"missing request for {resource} in container {c.Name} of Pod {pod.Metadata.Name}");
                }
            }

            requests[pod.Metadata.Name] = sum;
        }

        return requests;
    }

    private static (double Ratio, int Utilization, long RawAverage) UtilizationRatio(Dictionary<string, long> metrics, Dictionary<string, long> requests, int target)
    {
        long metricsTotal = 0, requestsTotal = 0;
        var entries = 0;
        foreach (var (pod, value) in metrics)
        {
            if (!requests.TryGetValue(pod, out var request))
            {
                continue;
            }

            metricsTotal += value;
            requestsTotal += request;
            entries++;
        }

        if (requestsTotal == 0)
        {
            throw new ReplicaCalculationException("no metrics returned matched known pods");
        }

        var utilization = (int)(metricsTotal * 100 / requestsTotal);
        return ((double)utilization / target, utilization, metricsTotal / entries);
    }

    private static (double Ratio, long Usage) UsageRatio(Dictionary<string, long> metrics, long target)
    {
        var usage = metrics.Values.Sum() / metrics.Count;
        return ((double)usage / target, usage);
    }

    private static void RemoveAll(Dictionary<string, long> metrics, HashSet<string> pods)
    {
        foreach (var pod in pods)
        {
            metrics.Remove(pod);
        }
    }

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));
}
