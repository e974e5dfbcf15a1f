using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Autoscaling.HorizontalPodAutoscalers;

/// <summary>
/// autoscaling/v1 HorizontalPodAutoscalers. They are stored as autoscaling/v2, so validation and printing run
/// on the v2 form (as kube-apiserver validates and prints the internal object); v1 defaulting only sets minReplicas.
/// </summary>
internal sealed class HorizontalPodAutoscalerV1Strategy : ResourceStrategy<V1HorizontalPodAutoscaler>
{
    public override bool TracksGeneration => true;

    public override TableConvertor<V1HorizontalPodAutoscaler> Table { get; } = new V1Table();

    /// <summary>SetDefaults_HorizontalPodAutoscaler (v1): minReplicas 1.</summary>
    public override void Default(V1HorizontalPodAutoscaler obj)
    {
        obj.Spec ??= new V1HorizontalPodAutoscalerSpec();
        obj.Spec.MinReplicas ??= 1;
    }

    public override void PrepareForCreate(V1HorizontalPodAutoscaler obj)
    {
        base.PrepareForCreate(obj);
        obj.Status = new V1HorizontalPodAutoscalerStatus();
    }

    public override void Validate(V1HorizontalPodAutoscaler obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1HorizontalPodAutoscalerSpec();
        if (spec.TargetCPUUtilizationPercentage is { } target && target < 1)
        {
            errors.Invalid("spec.metrics[0].resource.target.averageUtilization", target, "must be greater than 0");
        }

        var v2 = HorizontalPodAutoscalerConversion.ToV2(obj);
        v2.Spec.Metrics = null;
        HorizontalPodAutoscalerStrategy.ValidateSpec(v2.Spec, errors);
    }

    /// <summary>The v2 printer applied to the stored (defaulted v2) form of the object.</summary>
    private sealed class V1Table : TableConvertor<V1HorizontalPodAutoscaler>
    {
        private static readonly HorizontalPodAutoscalerTable Inner = new();

        public override IReadOnlyList<TableColumn> Columns => Inner.Columns;

        public override object?[] Cells(V1HorizontalPodAutoscaler obj, DateTime now)
        {
            var v2 = HorizontalPodAutoscalerConversion.ToV2(obj);
            HorizontalPodAutoscalerStrategy.ApplyDefaults(v2);
            return Inner.Cells(v2, now);
        }
    }
}
