using System.Collections.Concurrent;
using k8s.Models;

namespace Skiff.Controllers.PodAutoscaler;

/// <summary>
/// Turns a metric's recommendation into the replica count to set, as kube's HPA normalizeDesiredReplicas and
/// normalizeDesiredReplicasWithBehaviors do: stabilization over recent recommendations (scale-down 300 s by default,
/// scale-up none), the scaleUp/scaleDown policies (Pods/Percent per period, selectPolicy Max/Min/Disabled) over the
/// scale events of each policy's period, and min/max. Without a behavior the old rules apply (highest recommendation
/// of the downscale window, and at most max(2×current, 4) on the way up). Keeps per-HPA history; one key is never
/// normalized by two threads at once (the work queue guarantees it), different keys may be.
/// </summary>
internal sealed class ReplicaNormalizer(PodAutoscalerOptions options, TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, History> _history = new(StringComparer.Ordinal);

    /// <summary>Seeds the recommendations with the current size the first time an HPA is seen (recordInitialRecommendation).</summary>
    public void RecordInitialRecommendation(string key, int currentReplicas)
    {
        var history = _history.GetOrAdd(key, _ => new History());
        if (history.Recommendations.Count == 0)
        {
            history.Recommendations.Add((currentReplicas, timeProvider.GetUtcNow()));
        }
    }

    public void Forget(string key) => _history.TryRemove(key, out _);

    /// <summary>The replica count to set, and the AbleToScale and ScalingLimited conditions that explain it.</summary>
    public (int Replicas, HpaCondition AbleToScale, HpaCondition ScalingLimited) Normalize(string key, V2HorizontalPodAutoscalerSpec spec, int currentReplicas, int desired, int minReplicas)
    {
        var history = _history.GetOrAdd(key, _ => new History());
        var now = timeProvider.GetUtcNow();
        int stabilized;
        string stabilizedReason, stabilizedMessage;
        int replicas;
        string limitReason, limitMessage;
        if (spec.Behavior is null)
        {
            stabilized = Stabilize(history, desired, now);
            (stabilizedReason, stabilizedMessage) = ("ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation");
            (replicas, limitReason, limitMessage) = WithRules(currentReplicas, stabilized, minReplicas, spec.MaxReplicas);
        }
        else
        {
            var up = Rules(spec.Behavior.ScaleUp, isUp: true);
            var down = Rules(spec.Behavior.ScaleDown, isUp: false);
            (stabilized, stabilizedReason, stabilizedMessage) = StabilizeWithBehaviors(history, up, down, currentReplicas, desired, now);
            (replicas, limitReason, limitMessage) = WithBehaviorRate(history, up, down, currentReplicas, stabilized, minReplicas, spec.MaxReplicas, now);
        }

        var ableToScale = stabilized != desired
            ? new HpaCondition("AbleToScale", "True", stabilizedReason, stabilizedMessage)
            : new HpaCondition("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size");
        var limited = new HpaCondition("ScalingLimited", replicas == stabilized ? "False" : "True", limitReason, limitMessage);
        return (replicas, ableToScale, limited);
    }

    /// <summary>Remembers a rescale for the behavior policies' rate limits (storeScaleEvent); nothing without a behavior.</summary>
    public void StoreScaleEvent(string key, V2HorizontalPodAutoscalerBehavior? behavior, int previous, int replicas)
    {
        if (behavior is null)
        {
            return;
        }

        var history = _history.GetOrAdd(key, _ => new History());
        var now = timeProvider.GetUtcNow();
        if (replicas > previous)
        {
            Prune(history.ScaleUpEvents, Rules(behavior.ScaleUp, isUp: true), now);
            history.ScaleUpEvents.Add((replicas - previous, now));
        }
        else if (replicas < previous)
        {
            Prune(history.ScaleDownEvents, Rules(behavior.ScaleDown, isUp: false), now);
            history.ScaleDownEvents.Add((previous - replicas, now));
        }
    }

    /// <summary>The behavior's rules with kube's defaults filled in where the object leaves them out.</summary>
    private V2HPAScalingRules Rules(V2HPAScalingRules? rules, bool isUp)
    {
        var policies = rules?.Policies is { Count: > 0 } p
            ? p
            : isUp
                ? [new V2HPAScalingPolicy { Type = "Pods", Value = 4, PeriodSeconds = 15 }, new V2HPAScalingPolicy { Type = "Percent", Value = 100, PeriodSeconds = 15 }]
                : [new V2HPAScalingPolicy { Type = "Percent", Value = 100, PeriodSeconds = 15 }];
        return new V2HPAScalingRules
        {
            Policies = policies,
            SelectPolicy = rules?.SelectPolicy ?? "Max",
            StabilizationWindowSeconds = rules?.StabilizationWindowSeconds ?? (isUp ? 0 : (int)options.DownscaleStabilizationWindow.TotalSeconds),
        };
    }

    /// <summary>stabilizeRecommendation: the highest recommendation of the downscale window, replacing the oldest expired sample.</summary>
    private int Stabilize(History history, int desired, DateTimeOffset now)
    {
        var max = desired;
        var cutoff = now - options.DownscaleStabilizationWindow;
        var old = -1;
        for (var i = 0; i < history.Recommendations.Count; i++)
        {
            var (replicas, at) = history.Recommendations[i];
            if (at < cutoff)
            {
                old = i;
            }
            else if (replicas > max)
            {
                max = replicas;
            }
        }

        Record(history, old, desired, now);
        return max;
    }

    private static (int Replicas, string Reason, string Message) StabilizeWithBehaviors(History history, V2HPAScalingRules up, V2HPAScalingRules down, int current, int desired, DateTimeOffset now)
    {
        var upWindow = up.StabilizationWindowSeconds ?? 0;
        var downWindow = down.StabilizationWindowSeconds ?? 0;
        var upCutoff = now - TimeSpan.FromSeconds(upWindow);
        var downCutoff = now - TimeSpan.FromSeconds(downWindow);
        var obsoleteCutoff = now - TimeSpan.FromSeconds(Math.Max(upWindow, downWindow));
        var upRecommendation = desired;
        var downRecommendation = desired;
        var old = -1;
        for (var i = 0; i < history.Recommendations.Count; i++)
        {
            var (replicas, at) = history.Recommendations[i];
            if (at > upCutoff)
            {
                upRecommendation = Math.Min(replicas, upRecommendation);
            }

            if (at > downCutoff)
            {
                downRecommendation = Math.Max(replicas, downRecommendation);
            }

            if (at < obsoleteCutoff)
            {
                old = i;
            }
        }

        var recommendation = Math.Min(Math.Max(current, upRecommendation), downRecommendation);
        Record(history, old, desired, now);
        return desired >= current
            ? (recommendation, "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation")
            : (recommendation, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation");
    }

    private static void Record(History history, int oldIndex, int desired, DateTimeOffset now)
    {
        if (oldIndex >= 0)
        {
            history.Recommendations[oldIndex] = (desired, now);
        }
        else
        {
            history.Recommendations.Add((desired, now));
        }
    }

    /// <summary>convertDesiredReplicasWithRules: min/max and the legacy scale-up limit of max(2×current, 4).</summary>
    private static (int, string, string) WithRules(int current, int desired, int min, int max)
    {
        var scaleUpLimit = (int)Math.Max(2.0 * current, 4.0);
        int maximum;
        string reason, message;
        if (max > scaleUpLimit)
        {
            maximum = scaleUpLimit;
            (reason, message) = ("ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate");
        }
        else
        {
            maximum = max;
            (reason, message) = ("TooManyReplicas", "the desired replica count is more than the maximum replica count");
        }

        if (desired < min)
        {
            return (min, "TooFewReplicas", "the desired replica count is less than the minimum replica count");
        }

        return desired > maximum ? (maximum, reason, message) : (desired, "DesiredWithinRange", "the desired count is within the acceptable range");
    }

    /// <summary>convertDesiredReplicasWithBehaviorRate: the policies' limits for the period, then min/max.</summary>
    private static (int, string, string) WithBehaviorRate(History history, V2HPAScalingRules up, V2HPAScalingRules down, int current, int desired, int min, int max, DateTimeOffset now)
    {
        if (desired > current)
        {
            var limit = Math.Max(ScaleUpLimit(current, history.ScaleUpEvents, up, now), current);
            var (maximum, reason, message) = max > limit
                ? (limit, "ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
                : (max, "TooManyReplicas", "the desired replica count is more than the maximum replica count");
            if (desired > maximum)
            {
                return (maximum, reason, message);
            }
        }
        else if (desired < current)
        {
            var limit = Math.Min(ScaleDownLimit(current, history.ScaleDownEvents, down, now), current);
            var (minimum, reason, message) = min < limit
                ? (limit, "ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
                : (min, "TooFewReplicas", "the desired replica count is less than the minimum replica count");
            if (desired < minimum)
            {
                return (minimum, reason, message);
            }
        }

        return (desired, "DesiredWithinRange", "the desired count is within the acceptable range");
    }

    /// <summary>calculateScaleUpLimitWithScalingRules: each policy allows its change over the replicas at its period's start.</summary>
    private static int ScaleUpLimit(int current, List<(int Change, DateTimeOffset At)> events, V2HPAScalingRules rules, DateTimeOffset now)
    {
        if (rules.SelectPolicy == "Disabled")
        {
            return current;
        }

        var min = rules.SelectPolicy == "Min";
        var result = min ? int.MaxValue : int.MinValue;
        foreach (var policy in rules.Policies)
        {
            var start = current - ChangeInPeriod(events, policy.PeriodSeconds, now);
            var proposed = policy.Type == "Pods" ? start + policy.Value : (int)Math.Ceiling(start * (1 + policy.Value / 100.0));
            result = min ? Math.Min(result, proposed) : Math.Max(result, proposed);
        }

        return result;
    }

    /// <summary>calculateScaleDownLimitWithBehaviors: for scale-down the smallest change ('Min') is the highest count.</summary>
    private static int ScaleDownLimit(int current, List<(int Change, DateTimeOffset At)> events, V2HPAScalingRules rules, DateTimeOffset now)
    {
        if (rules.SelectPolicy == "Disabled")
        {
            return current;
        }

        var min = rules.SelectPolicy == "Min";
        var result = min ? int.MinValue : int.MaxValue;
        foreach (var policy in rules.Policies)
        {
            var start = current + ChangeInPeriod(events, policy.PeriodSeconds, now);
            var proposed = policy.Type == "Pods" ? start - policy.Value : (int)(start * (1 - policy.Value / 100.0));
            result = min ? Math.Max(result, proposed) : Math.Min(result, proposed);
        }

        return result;
    }

    private static int ChangeInPeriod(List<(int Change, DateTimeOffset At)> events, int periodSeconds, DateTimeOffset now)
    {
        var cutoff = now - TimeSpan.FromSeconds(periodSeconds);
        return events.Where(e => e.At > cutoff).Sum(e => e.Change);
    }

    private static void Prune(List<(int Change, DateTimeOffset At)> events, V2HPAScalingRules rules, DateTimeOffset now)
    {
        var longest = rules.Policies.Count == 0 ? 0 : rules.Policies.Max(p => p.PeriodSeconds);
        events.RemoveAll(e => e.At <= now - TimeSpan.FromSeconds(longest));
    }

    private sealed class History
    {
        public List<(int Replicas, DateTimeOffset At)> Recommendations { get; } = [];

        public List<(int Change, DateTimeOffset At)> ScaleUpEvents { get; } = [];

        public List<(int Change, DateTimeOffset At)> ScaleDownEvents { get; } = [];
    }
}
