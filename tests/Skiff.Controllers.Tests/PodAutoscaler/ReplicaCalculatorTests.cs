using k8s.Models;
using Skiff.Controllers.PodAutoscaler;

namespace Skiff.Controllers.Tests.PodAutoscaler;

public sealed class ReplicaCalculatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly ReplicaCalculator Calculator = new(0.1, TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30));

    /// <summary>
    /// A pod description: "name" is a ready pod running for 10 minutes; suffixes change it:
    /// ":pending", ":failed", ":deleting", ":fresh" (started 1 min ago, ready 10 s ago), ":noready" (no Ready condition).
    /// </summary>
    private static V1Pod Pod(string spec, string request = "1000m", string resource = "cpu")
    {
        var parts = spec.Split(':');
        var state = parts.Length > 1 ? parts[1] : "";
        var started = state == "fresh" ? Now.AddMinutes(-1) : Now.AddMinutes(-10);
        var readySince = state == "fresh" ? Now.AddSeconds(-10) : Now.AddMinutes(-9);
        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = parts[0], NamespaceProperty = "ns", DeletionTimestamp = state == "deleting" ? Now.UtcDateTime : null },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container { Name = "c", Image = "i", Resources = new V1ResourceRequirements { Requests = request.Length == 0 ? null : new Dictionary<string, ResourceQuantity> { [resource] = new(request) } } }],
            },
            Status = new V1PodStatus
            {
                Phase = state switch { "pending" => "Pending", "failed" => "Failed", _ => "Running" },
                StartTime = started.UtcDateTime,
                Conditions = state == "noready" ? null : [new V1PodCondition { Type = "Ready", Status = state == "pending" ? "False" : "True", LastTransitionTime = readySince.UtcDateTime }],
            },
        };
    }

    private static Dictionary<string, PodMetric> Metrics(string usages) =>
        usages.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(u => u.Split('='))
            .ToDictionary(u => u[0], u => new PodMetric(long.Parse(u[1]), Now, TimeSpan.FromSeconds(30)));

    [Theory]
    [InlineData("scale up on 100% of request against 50%", 3, 50, "a,b,c", "a=900,b=1000,c=1100", 6, 100, 1000)]
    [InlineData("within the 10% tolerance: no change", 3, 100, "a,b,c", "a=1050,b=1050,c=1050", 3, 105, 1050)]
    [InlineData("just outside the tolerance", 3, 100, "a,b,c", "a=1110,b=1110,c=1110", 4, 111, 1110)]
    [InlineData("scale down", 3, 50, "a,b,c", "a=100,b=100,c=100", 1, 10, 100)]
    [InlineData("missing metric counts as its full request when scaling down", 4, 50, "a,b,c,d", "a=100,b=100,c=100", 3, 10, 100)]
    [InlineData("missing metric counts as zero when scaling up", 3, 50, "a,b,c", "a=1500,b=1500", 6, 150, 1500)]
    [InlineData("pending pod counts as zero when scaling up", 3, 50, "a,b,c:pending", "a=1000,b=1000", 4, 100, 1000)]
    [InlineData("pending pod left out when scaling down", 3, 50, "a,b,c:pending", "a=100,b=100", 1, 10, 100)]
    [InlineData("failed and deleting pods ignored", 3, 50, "a,b:failed,c:deleting", "a=1000,b=5000,c=5000", 2, 100, 1000)]
    [InlineData("initialising pod sampled within a window of readiness is unready", 2, 50, "a:fresh,b", "a=3000,b=1000", 2, 100, 1000)]
    [InlineData("pod without a Ready condition is unready for cpu", 2, 50, "a:noready,b", "a=3000,b=1000", 2, 100, 1000)]
    [InlineData("scale-down reversed by missing pods gives no change", 3, 50, "a,b,c", "a=40,b=40", 3, 4, 40)]
    public void ResourceReplicas_Table(string because, int current, int target, string pods, string usages, int replicas, int utilization, long raw)
    {
        var result = Calculator.ResourceReplicas(current, target, "cpu", null, pods.Split(',').Select(p => Pod(p)).ToList(), Metrics(usages), Now);
        Assert.True((replicas, utilization, raw) == result, $"{because}: expected {(replicas, utilization, raw)}, got {result}");
    }

    [Fact]
    public void ResourceReplicas_Memory_NoReadinessRules()
    {
        var pods = new[] { Pod("a:noready", "1000", "memory") };
        var (replicas, utilization, _) = Calculator.ResourceReplicas(1, 100, "memory", null, pods, Metrics("a=2000000"), Now);
        Assert.Equal((2, 200), (replicas, utilization));
    }

    [Fact]
    public void ResourceReplicas_ContainerFilter_UsesOnlyThatContainersRequest()
    {
        var pod = Pod("a", "500m");
        pod.Spec.Containers.Add(new V1Container { Name = "sidecar", Image = "i" });
        var (replicas, utilization, _) = Calculator.ResourceReplicas(1, 50, "cpu", "c", [pod], Metrics("a=500"), Now);
        Assert.Equal((2, 100), (replicas, utilization));
    }

    [Theory]
    [InlineData("", "a=1", "no pods returned by selector while calculating replica count")]
    [InlineData("a:pending,b:pending", "", "did not receive metrics for targeted pods (pods might be unready)")]
    public void ResourceReplicas_Errors(string pods, string usages, string message)
    {
        var list = pods.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(p => Pod(p)).ToList();
        var e = Assert.Throws<ReplicaCalculationException>(() => Calculator.ResourceReplicas(2, 50, "cpu", null, list, Metrics(usages), Now));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void ResourceReplicas_MissingRequest_NamesContainerAndPod()
    {
        var e = Assert.Throws<ReplicaCalculationException>(() => Calculator.ResourceReplicas(1, 50, "cpu", null, [Pod("a", "")], Metrics("a=100"), Now));
        Assert.Equal("missing request for cpu in container c of Pod a", e.Message);
    }

    [Theory]
    [InlineData("twice the average value", 2, 500, "a,b", "a=1000,b=1000", 4, 1000)]
    [InlineData("within tolerance", 2, 500, "a,b", "a=520,b=520", 2, 520)]
    [InlineData("missing pod counts as the target when scaling down", 3, 500, "a,b,c", "a=100,b=100", 2, 100)]
    [InlineData("scale down", 4, 500, "a,b,c,d", "a=100,b=100,c=100,d=100", 1, 100)]
    public void RawResourceReplicas_Table(string because, int current, long target, string pods, string usages, int replicas, long usage)
    {
        var result = Calculator.RawResourceReplicas(current, target, "cpu", pods.Split(',').Select(p => Pod(p)).ToList(), Metrics(usages), Now);
        Assert.True((replicas, usage) == result, $"{because}: expected {(replicas, usage)}, got {result}");
    }
}
