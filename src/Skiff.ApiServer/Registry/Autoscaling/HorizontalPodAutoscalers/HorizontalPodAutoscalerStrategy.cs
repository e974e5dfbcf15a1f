using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Autoscaling.HorizontalPodAutoscalers;

/// <summary>
/// autoscaling/v2 HorizontalPodAutoscalers, following pkg/registry/autoscaling/horizontalpodautoscaler/strategy.go,
/// the v2 defaulters (minReplicas 1, CPU 80% when no metric is given, scaling behavior filled in when given) and
/// ValidateHorizontalPodAutoscaler.
/// </summary>
internal sealed class HorizontalPodAutoscalerStrategy : ResourceStrategy<V2HorizontalPodAutoscaler>
{
    /// <summary>autoscaling.DefaultCPUUtilization.</summary>
    public const int DefaultCpuUtilization = 80;

    private static readonly string[] MetricTypes = ["ContainerResource", "External", "Object", "Pods", "Resource"];
    private static readonly string[] TargetTypes = ["AverageValue", "Utilization", "Value"];
    private static readonly string[] SelectPolicies = ["Disabled", "Max", "Min"];
    private static readonly string[] PolicyTypes = ["Percent", "Pods"];

    public override bool TracksGeneration => true;

    public override TableConvertor<V2HorizontalPodAutoscaler> Table { get; } = new HorizontalPodAutoscalerTable();

    public override void Default(V2HorizontalPodAutoscaler obj) => ApplyDefaults(obj);

    /// <summary>SetDefaults_HorizontalPodAutoscaler (v2), shared with the v1 resource after conversion.</summary>
    internal static void ApplyDefaults(V2HorizontalPodAutoscaler obj)
    {
        var spec = obj.Spec ??= new V2HorizontalPodAutoscalerSpec();
        spec.MinReplicas ??= 1;
        if ((spec.Metrics?.Count ?? 0) == 0)
        {
            spec.Metrics =
            [
                new V2MetricSpec
                {
                    Type = "Resource",
                    Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = DefaultCpuUtilization } },
                },
            ];
        }

        if (spec.Behavior is { } behavior)
        {
            behavior.ScaleUp = Fill(behavior.ScaleUp, new V2HPAScalingRules
            {
                StabilizationWindowSeconds = 0,
                SelectPolicy = "Max",
                Policies =
                [
                    new V2HPAScalingPolicy { Type = "Pods", Value = 4, PeriodSeconds = 15 },
                    new V2HPAScalingPolicy { Type = "Percent", Value = 100, PeriodSeconds = 15 },
                ],
            });
            behavior.ScaleDown = Fill(behavior.ScaleDown, new V2HPAScalingRules
            {
                SelectPolicy = "Max",
                Policies = [new V2HPAScalingPolicy { Type = "Percent", Value = 100, PeriodSeconds = 15 }],
            });
        }
    }

    /// <summary>copyHPAScalingRules: the user's non-nil fields over the defaults.</summary>
    private static V2HPAScalingRules Fill(V2HPAScalingRules? from, V2HPAScalingRules defaults)
    {
        if (from is null)
        {
            return defaults;
        }

        defaults.SelectPolicy = from.SelectPolicy ?? defaults.SelectPolicy;
        defaults.StabilizationWindowSeconds = from.StabilizationWindowSeconds ?? defaults.StabilizationWindowSeconds;
        defaults.Policies = from.Policies ?? defaults.Policies;
        defaults.Tolerance = from.Tolerance ?? defaults.Tolerance;
        return defaults;
    }

    public override void PrepareForCreate(V2HorizontalPodAutoscaler obj)
    {
        base.PrepareForCreate(obj);
        obj.Status = new V2HorizontalPodAutoscalerStatus();
    }

    public override void Validate(V2HorizontalPodAutoscaler obj, FieldErrors errors) => ValidateSpec(obj.Spec ?? new V2HorizontalPodAutoscalerSpec(), errors);

    /// <summary>ValidateHorizontalPodAutoscalerSpec with minReplicas at least 1 (HPAScaleToZero is alpha).</summary>
    internal static void ValidateSpec(V2HorizontalPodAutoscalerSpec spec, FieldErrors errors)
    {
        if (spec.MinReplicas is { } min && min < 1)
        {
            errors.Invalid("spec.minReplicas", min, "must be greater than or equal to 1");
        }

        if (spec.MaxReplicas < 1)
        {
            errors.Invalid("spec.maxReplicas", spec.MaxReplicas, "must be greater than 0");
        }

        if (spec.MinReplicas is { } m && spec.MaxReplicas < m)
        {
            errors.Invalid("spec.maxReplicas", spec.MaxReplicas, "must be greater than or equal to `minReplicas`");
        }

        Reference(spec.ScaleTargetRef?.Kind, spec.ScaleTargetRef?.Name, "spec.scaleTargetRef", errors);
        for (var i = 0; i < (spec.Metrics?.Count ?? 0); i++)
        {
            Metric(spec.Metrics![i], $"spec.metrics[{i}]", errors);
        }

        Rules(spec.Behavior?.ScaleUp, "spec.behavior.scaleUp", errors);
        Rules(spec.Behavior?.ScaleDown, "spec.behavior.scaleDown", errors);
    }

    private static void Reference(string? kind, string? name, string path, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(kind))
        {
            errors.Required(path + ".kind");
        }
        else
        {
            foreach (var msg in NameRules.PathSegmentName(kind))
            {
                errors.Invalid(path + ".kind", kind, msg);
            }
        }

        if (string.IsNullOrEmpty(name))
        {
            errors.Required(path + ".name");
        }
        else
        {
            foreach (var msg in NameRules.PathSegmentName(name))
            {
                errors.Invalid(path + ".name", name, msg);
            }
        }
    }

    private static void Metric(V2MetricSpec metric, string path, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(metric.Type))
        {
            errors.Required(path + ".type");
            return;
        }

        if (!MetricTypes.Contains(metric.Type))
        {
            errors.NotSupported(path + ".type", metric.Type, MetricTypes);
            return;
        }

        (string Child, object? Source, V2MetricTarget? Target) chosen = metric.Type switch
        {
            "Resource" => ("resource", metric.Resource, metric.Resource?.Target),
            "ContainerResource" => ("containerResource", metric.ContainerResource, metric.ContainerResource?.Target),
            "Pods" => ("pods", metric.Pods, metric.Pods?.Target),
            "Object" => ("object", metric.ObjectProperty, metric.ObjectProperty?.Target),
            _ => ("external", metric.External, metric.External?.Target),
        };

        if (chosen.Source is null)
        {
            errors.Required($"{path}.{chosen.Child}", $"must populate information for the given metric source");
            return;
        }

        if (metric.Resource is { } r && string.IsNullOrEmpty(r.Name))
        {
            errors.Required(path + ".resource.name", "must specify a resource name");
        }

        var target = chosen.Target;
        var targetPath = $"{path}.{chosen.Child}.target";
        if (target is null || string.IsNullOrEmpty(target.Type))
        {
            errors.Required(targetPath + ".type", "must specify a metric target type");
            return;
        }

        if (!TargetTypes.Contains(target.Type))
        {
            errors.NotSupported(targetPath + ".type", target.Type, TargetTypes);
        }

        if (target.Type == "Utilization" && target.AverageUtilization is null)
        {
            errors.Required(targetPath + ".averageUtilization", "must set either a target raw value or a target utilization");
        }

        if (target.AverageUtilization is { } u && u < 1)
        {
            errors.Invalid(targetPath + ".averageUtilization", u, "must be greater than 0");
        }
    }

    private static void Rules(V2HPAScalingRules? rules, string path, FieldErrors errors)
    {
        if (rules is null)
        {
            return;
        }

        if (rules.StabilizationWindowSeconds is { } w && w is < 0 or > 3600)
        {
            errors.Invalid(path + ".stabilizationWindowSeconds", w, w < 0 ? "must be greater than or equal to zero" : "must be less than or equal to 3600");
        }

        if (rules.SelectPolicy is { } sp && !SelectPolicies.Contains(sp))
        {
            errors.NotSupported(path + ".selectPolicy", sp, SelectPolicies);
        }

        if (rules.Policies is { Count: 0 } && rules.SelectPolicy != "Disabled")
        {
            errors.Required(path + ".policies", "must specify at least one Policy");
        }

        for (var i = 0; i < (rules.Policies?.Count ?? 0); i++)
        {
            var p = rules.Policies![i];
            var pp = $"{path}.policies[{i}]";
            if (!PolicyTypes.Contains(p.Type))
            {
                errors.NotSupported(pp + ".type", p.Type ?? "", PolicyTypes);
            }

            if (p.Value <= 0)
            {
                errors.Invalid(pp + ".value", p.Value, "must be greater than zero");
            }

            if (p.PeriodSeconds <= 0)
            {
                errors.Invalid(pp + ".periodSeconds", p.PeriodSeconds, "must be greater than zero");
            }
            else if (p.PeriodSeconds > 1800)
            {
                errors.Invalid(pp + ".periodSeconds", p.PeriodSeconds, "must be less than or equal to 1800");
            }
        }
    }
}
