using k8s;
using k8s.Models;
using Skiff.ApiServer.Registry.Autoscaling;
using Skiff.ApiServer.Registry.Autoscaling.HorizontalPodAutoscalers;

namespace Skiff.ApiServer.Tests.Registry.Autoscaling;

public class HorizontalPodAutoscalerTests
{
    private readonly HorizontalPodAutoscalerStrategy _v2 = Strategies.For<HorizontalPodAutoscalerStrategy, V2HorizontalPodAutoscaler>();
    private readonly HorizontalPodAutoscalerV1Strategy _v1 = Strategies.For<HorizontalPodAutoscalerV1Strategy, V1HorizontalPodAutoscaler>();

    private static V2HorizontalPodAutoscaler Hpa() => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
        Spec = new V2HorizontalPodAutoscalerSpec { MaxReplicas = 5, ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" } },
    };

    [Fact]
    public void Default_NoMetrics_MinOneAndCpu80()
    {
        var hpa = Hpa();
        Assert.Empty(Strategies.Create(_v2, hpa));
        Assert.Equal(1, hpa.Spec.MinReplicas);
        var metric = Assert.Single(hpa.Spec.Metrics);
        Assert.Equal("cpu", metric.Resource.Name);
        Assert.Equal(80, metric.Resource.Target.AverageUtilization);
        Assert.Null(hpa.Spec.Behavior);
    }

    [Fact]
    public void Default_PartialBehavior_FilledWithKubernetesRules()
    {
        var hpa = Hpa();
        hpa.Spec.Behavior = new V2HorizontalPodAutoscalerBehavior { ScaleDown = new V2HPAScalingRules { StabilizationWindowSeconds = 60 } };
        _v2.Default(hpa);
        Assert.Equal(0, hpa.Spec.Behavior.ScaleUp.StabilizationWindowSeconds);
        Assert.Equal("Max", hpa.Spec.Behavior.ScaleUp.SelectPolicy);
        Assert.Equal(2, hpa.Spec.Behavior.ScaleUp.Policies.Count);
        Assert.Equal(60, hpa.Spec.Behavior.ScaleDown.StabilizationWindowSeconds);
        Assert.Equal("Percent", Assert.Single(hpa.Spec.Behavior.ScaleDown.Policies).Type);
    }

    [Fact]
    public void Validate_MaxBelowMin_Invalid()
    {
        var hpa = Hpa();
        hpa.Spec.MinReplicas = 3;
        hpa.Spec.MaxReplicas = 2;
        Assert.Equal("spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`", Assert.Single(Strategies.Create(_v2, hpa)).ToString());
    }

    [Fact]
    public void Validate_MissingTarget_Required()
    {
        var hpa = Hpa();
        hpa.Spec.ScaleTargetRef = null;
        var fields = Strategies.Create(_v2, hpa).Select(e => e.Field).ToList();
        Assert.Equal(["spec.scaleTargetRef.kind", "spec.scaleTargetRef.name"], fields);
    }

    [Fact]
    public void Table_Targets_UnknownCurrent()
    {
        var hpa = Hpa();
        _v2.Default(hpa);
        hpa.Metadata.CreationTimestamp = Strategies.Now.AddMinutes(-3);
        hpa.Status = new V2HorizontalPodAutoscalerStatus { CurrentReplicas = 2 };
        var table = new HorizontalPodAutoscalerTable();
        Assert.Equal(["Name", "Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"], table.Columns.Select(c => c.Name));
        Assert.Equal<object?>(["web", "Deployment/web", "cpu: <unknown>/80%", "1", 5L, 2L, "3m"], table.Cells(hpa, Strategies.Now));
    }

    [Fact]
    public void Table_Targets_ThreeMetrics_TwoShown()
    {
        var specs = new List<V2MetricSpec>
        {
            new() { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = 50 } } },
            new() { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "memory", Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity("100Mi") } } },
            new() { Type = "Pods", Pods = new V2PodsMetricSource { Metric = new V2MetricIdentifier { Name = "qps" }, Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity("10") } } },
        };
        var statuses = new List<V2MetricStatus>
        {
            new() { Type = "Resource", Resource = new V2ResourceMetricStatus { Name = "cpu", Current = new V2MetricValueStatus { AverageUtilization = 12 } } },
        };
        Assert.Equal("cpu: 12%/50%, memory: <unknown>/100Mi + 1 more...", HorizontalPodAutoscalerTable.Targets(specs, statuses));
    }

    [Fact]
    public void Conversion_V1ToV2ToV1_RoundTrips()
    {
        var v1 = new V1HorizontalPodAutoscaler
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Labels = new Dictionary<string, string> { ["a"] = "b" } },
            Spec = new V1HorizontalPodAutoscalerSpec
            {
                MinReplicas = 2,
                MaxReplicas = 7,
                TargetCPUUtilizationPercentage = 65,
                ScaleTargetRef = new V1CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" },
            },
            Status = new V1HorizontalPodAutoscalerStatus { CurrentReplicas = 3, DesiredReplicas = 4, CurrentCPUUtilizationPercentage = 70, ObservedGeneration = 2 },
        };
        var v2 = HorizontalPodAutoscalerConversion.ToV2(v1);
        Assert.Equal(65, Assert.Single(v2.Spec.Metrics).Resource.Target.AverageUtilization);
        Assert.Equal(70, Assert.Single(v2.Status.CurrentMetrics).Resource.Current.AverageUtilization);
        var back = HorizontalPodAutoscalerConversion.ToV1(v2);
        v1.ApiVersion = "autoscaling/v1";
        v1.Kind = "HorizontalPodAutoscaler";
        Assert.Equal(KubernetesJson.Serialize(v1), KubernetesJson.Serialize(back));
    }

    [Fact]
    public void Conversion_V2WithoutCpu_NoV1Target()
    {
        var v2 = Hpa();
        v2.Spec.Metrics = [new V2MetricSpec { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "memory", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = 60 } } }];
        Assert.Null(HorizontalPodAutoscalerConversion.ToV1(v2).Spec.TargetCPUUtilizationPercentage);
    }

    [Fact]
    public void V1Strategy_DefaultsAndPrintsAsV2()
    {
        var v1 = new V1HorizontalPodAutoscaler
        {
            Metadata = new V1ObjectMeta { Name = "web", CreationTimestamp = Strategies.Now.AddSeconds(-10) },
            Spec = new V1HorizontalPodAutoscalerSpec { MaxReplicas = 3, ScaleTargetRef = new V1CrossVersionObjectReference { Kind = "Deployment", Name = "web" } },
        };
        Assert.Empty(Strategies.Create(_v1, v1));
        Assert.Equal(1, v1.Spec.MinReplicas);
        Assert.Null(v1.Spec.TargetCPUUtilizationPercentage);
        Assert.Equal<object?>(["web", "Deployment/web", "cpu: <unknown>/80%", "1", 3L, 0L, "10s"], _v1.Table.Cells(v1, Strategies.Now));
    }
}
