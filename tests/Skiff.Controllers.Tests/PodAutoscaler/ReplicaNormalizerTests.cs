using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Skiff.Controllers.PodAutoscaler;

namespace Skiff.Controllers.Tests.PodAutoscaler;

public sealed class ReplicaNormalizerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ReplicaNormalizer _normalizer;

    public ReplicaNormalizerTests()
    {
        _normalizer = new ReplicaNormalizer(new PodAutoscalerOptions(), _time);
    }

    private static V2HorizontalPodAutoscalerSpec Spec(int max, V2HorizontalPodAutoscalerBehavior? behavior = null) =>
        new() { MaxReplicas = max, MinReplicas = 1, Behavior = behavior, ScaleTargetRef = new V2CrossVersionObjectReference { Kind = "Deployment", Name = "d" } };

    private static V2HPAScalingRules Rules(string select = "Max", int? window = null, params (string Type, int Value, int Period)[] policies) => new()
    {
        SelectPolicy = select,
        StabilizationWindowSeconds = window,
        Policies = policies.Select(p => new V2HPAScalingPolicy { Type = p.Type, Value = p.Value, PeriodSeconds = p.Period }).ToList(),
    };

    [Fact]
    public void NoBehavior_ScaleDown_HeldAtTheHighestRecommendationOfFiveMinutes()
    {
        _normalizer.RecordInitialRecommendation("k", 5);
        _time.Advance(TimeSpan.FromMinutes(1));
        var (replicas, able, _) = _normalizer.Normalize("k", Spec(10), 5, 2, 1);
        Assert.Equal(5, replicas);
        Assert.Equal(("True", "ScaleDownStabilized"), (able.Status, able.Reason));

        _time.Advance(TimeSpan.FromMinutes(4.5));
        (replicas, able, _) = _normalizer.Normalize("k", Spec(10), 5, 2, 1);
        Assert.Equal(2, replicas);
        Assert.Equal("ReadyForNewScale", able.Reason);
    }

    [Fact]
    public void NoBehavior_ScaleUp_IsImmediate_ButAtMostDoubleOrFour()
    {
        _normalizer.RecordInitialRecommendation("k", 1);
        var (replicas, _, limited) = _normalizer.Normalize("k", Spec(20), 1, 10, 1);
        Assert.Equal(4, replicas);
        Assert.Equal(("True", "ScaleUpLimit"), (limited.Status, limited.Reason));

        (replicas, _, limited) = _normalizer.Normalize("k", Spec(20), 4, 10, 1);
        Assert.Equal(8, replicas);
        Assert.Equal("ScaleUpLimit", limited.Reason);
    }

    [Theory]
    [InlineData(8, 30, 10, 10, "True", "TooManyReplicas")]
    [InlineData(3, 0, 10, 2, "True", "TooFewReplicas")]
    [InlineData(3, 5, 10, 5, "False", "DesiredWithinRange")]
    public void NoBehavior_MinAndMax(int current, int desired, int max, int expected, string limitedStatus, string reason)
    {
        _normalizer.RecordInitialRecommendation("k", current);
        _time.Advance(TimeSpan.FromMinutes(10));
        var (replicas, _, limited) = _normalizer.Normalize("k", Spec(max), current, desired, 2);
        Assert.Equal(expected, replicas);
        Assert.Equal((limitedStatus, reason), (limited.Status, limited.Reason));
    }

    [Fact]
    public void Behavior_DefaultScaleUpPolicies_FourPodsOrDoublePer15s_CountingEarlierScaleEvents()
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior();
        _normalizer.RecordInitialRecommendation("k", 2);
        var (replicas, _, limited) = _normalizer.Normalize("k", Spec(100, behavior), 2, 20, 1);
        Assert.Equal(6, replicas);
        Assert.Equal("ScaleUpLimit", limited.Reason);
        _normalizer.StoreScaleEvent("k", behavior, 2, 6);

        // Within the same 15 s period the 4 pods already added count against the policy.
        _time.Advance(TimeSpan.FromSeconds(5));
        (replicas, _, _) = _normalizer.Normalize("k", Spec(100, behavior), 6, 20, 1);
        Assert.Equal(6, replicas);

        _time.Advance(TimeSpan.FromSeconds(11));
        (replicas, _, _) = _normalizer.Normalize("k", Spec(100, behavior), 6, 20, 1);
        Assert.Equal(12, replicas);
    }

    [Fact]
    public void Behavior_SelectPolicyMin_TakesTheSmallerChange()
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior { ScaleUp = Rules("Min", 0, ("Pods", 4, 60), ("Percent", 50, 60)) };
        _normalizer.RecordInitialRecommendation("k", 4);
        var (replicas, _, _) = _normalizer.Normalize("k", Spec(100, behavior), 4, 40, 1);
        Assert.Equal(6, replicas);
    }

    [Fact]
    public void Behavior_ScaleDownDisabled_KeepsTheCurrentCount()
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior { ScaleDown = Rules("Disabled", 0, ("Percent", 100, 15)) };
        _normalizer.RecordInitialRecommendation("k", 5);
        var (replicas, _, limited) = _normalizer.Normalize("k", Spec(10, behavior), 5, 1, 1);
        Assert.Equal(5, replicas);
        Assert.Equal(("True", "ScaleDownLimit"), (limited.Status, limited.Reason));
    }

    [Fact]
    public void Behavior_ScaleDownPodsPolicy_AtMostOnePodPerMinute()
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior { ScaleDown = Rules("Max", 0, ("Pods", 1, 60)) };
        _normalizer.RecordInitialRecommendation("k", 5);
        var (replicas, _, _) = _normalizer.Normalize("k", Spec(10, behavior), 5, 1, 1);
        Assert.Equal(4, replicas);
        _normalizer.StoreScaleEvent("k", behavior, 5, 4);

        _time.Advance(TimeSpan.FromSeconds(30));
        (replicas, _, _) = _normalizer.Normalize("k", Spec(10, behavior), 4, 1, 1);
        Assert.Equal(4, replicas);

        _time.Advance(TimeSpan.FromSeconds(31));
        (replicas, _, _) = _normalizer.Normalize("k", Spec(10, behavior), 4, 1, 1);
        Assert.Equal(3, replicas);
    }

    [Fact]
    public void Behavior_DefaultScaleDownWindow_Is300s_FromTheOptions()
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior();
        _normalizer.RecordInitialRecommendation("k", 6);
        _time.Advance(TimeSpan.FromSeconds(299));
        var (replicas, able, _) = _normalizer.Normalize("k", Spec(10, behavior), 6, 2, 1);
        Assert.Equal(6, replicas);
        Assert.Equal("ScaleDownStabilized", able.Reason);

        _time.Advance(TimeSpan.FromSeconds(2));
        (replicas, _, _) = _normalizer.Normalize("k", Spec(10, behavior), 6, 2, 1);
        Assert.Equal(2, replicas);
    }

    [Fact]
    public void Behavior_ScaleUpStabilizationWindow_AppliesTheLowestRecentRecommendation()
    {
        var behavior = new V2HorizontalPodAutoscalerBehavior { ScaleUp = Rules("Max", 60, ("Pods", 100, 15)) };
        _normalizer.RecordInitialRecommendation("k", 2);
        _time.Advance(TimeSpan.FromSeconds(30));
        var (replicas, able, _) = _normalizer.Normalize("k", Spec(100, behavior), 2, 8, 1);
        Assert.Equal(2, replicas);
        Assert.Equal("ScaleUpStabilized", able.Reason);

        _time.Advance(TimeSpan.FromSeconds(31));
        (replicas, _, _) = _normalizer.Normalize("k", Spec(100, behavior), 2, 8, 1);
        Assert.Equal(8, replicas);
    }
}
