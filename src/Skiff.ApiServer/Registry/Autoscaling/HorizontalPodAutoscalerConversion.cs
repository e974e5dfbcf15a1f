using k8s.Models;

namespace Skiff.ApiServer.Registry.Autoscaling;

/// <summary>
/// Converts HorizontalPodAutoscalers between autoscaling/v1 and the autoscaling/v2 storage version, as
/// kube-apiserver's pkg/apis/autoscaling/v1 conversions do: the v1 CPU target is a v2 Resource metric for
/// <c>cpu</c> with an Utilization target, and the v1 current CPU percentage is that metric's current utilization.
/// Metrics, conditions and behavior that v1 cannot express are dropped on the way to v1 (Kubernetes keeps them
/// in <c>autoscaling.alpha.kubernetes.io/*</c> annotations; Skiff does not). Pure: inputs are not modified.
/// </summary>
internal static class HorizontalPodAutoscalerConversion
{
    /// <summary>The v2 form of a v1 object.</summary>
    public static V2HorizontalPodAutoscaler ToV2(V1HorizontalPodAutoscaler v1)
    {
        var spec = v1.Spec ?? new V1HorizontalPodAutoscalerSpec();
        var v2 = new V2HorizontalPodAutoscaler
        {
            ApiVersion = "autoscaling/v2",
            Kind = "HorizontalPodAutoscaler",
            Metadata = CopyMeta(v1.Metadata),
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = spec.ScaleTargetRef is { } r
                    ? new V2CrossVersionObjectReference { ApiVersion = r.ApiVersion, Kind = r.Kind, Name = r.Name }
                    : null,
                MinReplicas = spec.MinReplicas,
                MaxReplicas = spec.MaxReplicas,
            },
        };

        if (spec.TargetCPUUtilizationPercentage is { } target)
        {
            v2.Spec.Metrics =
            [
                new V2MetricSpec
                {
                    Type = "Resource",
                    Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = target } },
                },
            ];
        }

        if (v1.Status is { } status)
        {
            v2.Status = new V2HorizontalPodAutoscalerStatus
            {
                ObservedGeneration = status.ObservedGeneration,
                LastScaleTime = status.LastScaleTime,
                CurrentReplicas = status.CurrentReplicas,
                DesiredReplicas = status.DesiredReplicas,
            };
            if (status.CurrentCPUUtilizationPercentage is { } current)
            {
                v2.Status.CurrentMetrics =
                [
                    new V2MetricStatus
                    {
                        Type = "Resource",
                        Resource = new V2ResourceMetricStatus { Name = "cpu", Current = new V2MetricValueStatus { AverageUtilization = current } },
                    },
                ];
            }
        }

        return v2;
    }

    /// <summary>The v1 form of a v2 object: the CPU utilization metric, if any, becomes the v1 target.</summary>
    public static V1HorizontalPodAutoscaler ToV1(V2HorizontalPodAutoscaler v2)
    {
        var spec = v2.Spec ?? new V2HorizontalPodAutoscalerSpec();
        var v1 = new V1HorizontalPodAutoscaler
        {
            ApiVersion = "autoscaling/v1",
            Kind = "HorizontalPodAutoscaler",
            Metadata = CopyMeta(v2.Metadata),
            Spec = new V1HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = spec.ScaleTargetRef is { } r
                    ? new V1CrossVersionObjectReference { ApiVersion = r.ApiVersion, Kind = r.Kind, Name = r.Name }
                    : null,
                MinReplicas = spec.MinReplicas,
                MaxReplicas = spec.MaxReplicas,
                TargetCPUUtilizationPercentage = spec.Metrics?
                    .FirstOrDefault(m => m.Type == "Resource" && m.Resource?.Name == "cpu" && m.Resource.Target?.AverageUtilization is not null)?
                    .Resource.Target.AverageUtilization,
            },
        };

        if (v2.Status is { } status)
        {
            v1.Status = new V1HorizontalPodAutoscalerStatus
            {
                ObservedGeneration = status.ObservedGeneration,
                LastScaleTime = status.LastScaleTime,
                CurrentReplicas = status.CurrentReplicas ?? 0,
                DesiredReplicas = status.DesiredReplicas,
                CurrentCPUUtilizationPercentage = status.CurrentMetrics?
                    .FirstOrDefault(m => m.Type == "Resource" && m.Resource?.Name == "cpu" && m.Resource.Current?.AverageUtilization is not null)?
                    .Resource.Current.AverageUtilization,
            };
        }

        return v1;
    }

    private static V1ObjectMeta? CopyMeta(V1ObjectMeta? meta) =>
        meta is null ? null : Shared.SpecDiff.Clone(meta);
}
