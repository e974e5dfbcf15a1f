using k8s.Models;
using Skiff.Controllers.Disruption;

namespace Skiff.Controllers.Tests.Disruption;

public sealed class BudgetMathTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static V1Pod Pod(string name, bool ready = true, bool deleting = false) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, DeletionTimestamp = deleting ? Now.UtcDateTime : null },
        Status = new V1PodStatus { Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }] },
    };

    [Theory]
    [InlineData("2", null, 3, 10, 3, 2)]         // integer minAvailable: the pods there are, no scale needed
    [InlineData("50%", null, 3, 5, 5, 3)]        // 50% of 5 rounds up to 3
    [InlineData(null, "1", 3, 4, 4, 3)]          // maxUnavailable 1 of a scale of 4
    [InlineData(null, "30%", 3, 4, 4, 2)]        // 30% of 4 = 1.2 rounds up to 2 unavailable
    [InlineData(null, "100%", 3, 4, 4, 0)]
    public void Expected_ResolvesMinAvailableAndMaxUnavailable(string? minAvailable, string? maxUnavailable, int pods, int scale, int expected, int desired)
    {
        var spec = new V1PodDisruptionBudgetSpec
        {
            MinAvailable = minAvailable is null ? null : (IntOrString)minAvailable,
            MaxUnavailable = maxUnavailable is null ? null : (IntOrString)maxUnavailable,
        };
        Assert.Equal((expected, desired), BudgetMath.Expected(spec, pods, () => scale));
    }

    [Fact]
    public void Expected_IntegerMinAvailable_NeverAsksForTheScale()
    {
        var spec = new V1PodDisruptionBudgetSpec { MinAvailable = (IntOrString)"1" };
        Assert.Equal((2, 1), BudgetMath.Expected(spec, 2, () => throw new InvalidOperationException("no scale")));
    }

    [Theory]
    [InlineData(3, 2, 3, 1)]
    [InlineData(2, 2, 3, 0)]
    [InlineData(1, 2, 3, 0)]
    [InlineData(3, 0, 0, 0)]
    public void Allowed_IsHealthyBeyondDesired_NeverNegative_NoneWithoutExpectedPods(int healthy, int desired, int expected, int allowed) =>
        Assert.Equal(allowed, BudgetMath.Allowed(healthy, desired, expected));

    [Fact]
    public void DisruptedPods_DropsOverdueAndGonePods_AndNamesTheRecheckTime()
    {
        var pdb = new V1PodDisruptionBudget
        {
            Metadata = new V1ObjectMeta { Name = "pdb" },
            Status = new V1PodDisruptionBudgetStatus
            {
                DisruptedPods = new Dictionary<string, DateTime?>
                {
                    ["recent"] = Now.UtcDateTime.AddSeconds(-30),
                    ["overdue"] = Now.UtcDateTime.AddMinutes(-3),
                    ["gone"] = Now.UtcDateTime.AddSeconds(-10),
                    ["deleting"] = Now.UtcDateTime.AddSeconds(-10),
                },
            },
        };
        var pods = new[] { Pod("recent"), Pod("overdue"), Pod("deleting", deleting: true), Pod("other") };
        var (disrupted, recheck) = BudgetMath.DisruptedPods(pdb, pods, Now);
        Assert.Equal(["recent"], disrupted.Keys);
        Assert.Equal(Now.AddSeconds(90), recheck);

        // The disrupted pod is not healthy any more, nor is the one being deleted.
        Assert.Equal(2, BudgetMath.Healthy(pods, disrupted));
    }
}
