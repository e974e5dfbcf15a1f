using k8s.Models;
using Skiff.Api.Printing;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Policy.PodDisruptionBudgets;

/// <summary>
/// policy/v1 PodDisruptionBudgets (pkg/registry/policy/poddisruptionbudget, ValidatePodDisruptionBudgetSpec):
/// minAvailable or maxUnavailable, not both, each a non-negative number or a percentage up to 100%.
/// </summary>
internal sealed class PodDisruptionBudgetStrategy : ResourceStrategy<V1PodDisruptionBudget>
{
    private static readonly string[] EvictionPolicies = ["AlwaysAllow", "IfHealthyBudget"];

    public override bool TracksGeneration => true;

    public override TableConvertor<V1PodDisruptionBudget> Table { get; } = new PodDisruptionBudgetTable();

    /// <summary>The zero status Go serializes: all four counters present and 0.</summary>
    public override void PrepareForCreate(V1PodDisruptionBudget obj)
    {
        base.PrepareForCreate(obj);
        obj.Status = new V1PodDisruptionBudgetStatus { CurrentHealthy = 0, DesiredHealthy = 0, DisruptionsAllowed = 0, ExpectedPods = 0 };
    }

    public override void Validate(V1PodDisruptionBudget obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1PodDisruptionBudgetSpec();
        if (spec.MinAvailable is not null && spec.MaxUnavailable is not null)
        {
            errors.Invalid("spec", GoValue.Raw($"policy.PodDisruptionBudgetSpec{{MinAvailable:{IntOrPercent.Text(spec.MinAvailable)}, MaxUnavailable:{IntOrPercent.Text(spec.MaxUnavailable)}}}"), "minAvailable and maxUnavailable cannot be both set");
        }

        if (spec.MinAvailable is not null)
        {
            IntOrPercent.ValidatePositive(spec.MinAvailable, "spec.minAvailable", errors);
            IntOrPercent.NotMoreThan100Percent(spec.MinAvailable, "spec.minAvailable", errors);
        }

        if (spec.MaxUnavailable is not null)
        {
            IntOrPercent.ValidatePositive(spec.MaxUnavailable, "spec.maxUnavailable", errors);
            IntOrPercent.NotMoreThan100Percent(spec.MaxUnavailable, "spec.maxUnavailable", errors);
        }

        LabelSelectors.Validate(spec.Selector, "spec.selector", errors);
        if (spec.UnhealthyPodEvictionPolicy is { } policy && !EvictionPolicies.Contains(policy))
        {
            errors.NotSupported("spec.unhealthyPodEvictionPolicy", policy, EvictionPolicies);
        }
    }

    /// <summary>ValidatePodDisruptionBudgetStatusUpdate: counters are never negative.</summary>
    public override void ValidateStatusUpdate(V1PodDisruptionBudget obj, V1PodDisruptionBudget old, FieldErrors errors)
    {
        var s = obj.Status ?? new V1PodDisruptionBudgetStatus();
        FieldRules.NonNegative(s.DisruptionsAllowed, "status.disruptionsAllowed", errors);
        FieldRules.NonNegative(s.CurrentHealthy, "status.currentHealthy", errors);
        FieldRules.NonNegative(s.DesiredHealthy, "status.desiredHealthy", errors);
        FieldRules.NonNegative(s.ExpectedPods, "status.expectedPods", errors);
    }

    /// <summary>kube-apiserver's poddisruptionbudget printer: NAME MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS AGE.</summary>
    private sealed class PodDisruptionBudgetTable : TableConvertor<V1PodDisruptionBudget>
    {
        public override IReadOnlyList<TableColumn> Columns { get; } =
        [
            Shared.Columns.Name,
            new("Min Available", "string", "The minimum number of pods that must be available."),
            new("Max Unavailable", "string", "The maximum number of pods that may be unavailable."),
            new("Allowed Disruptions", "integer", "Calculated number of pods that may be disrupted at this time."),
            Shared.Columns.Age,
        ];

        public override object?[] Cells(V1PodDisruptionBudget obj, DateTime now) =>
        [
            obj.Metadata.Name,
            obj.Spec?.MinAvailable is { } min ? IntOrPercent.Text(min) : "N/A",
            obj.Spec?.MaxUnavailable is { } max ? IntOrPercent.Text(max) : "N/A",
            (long)(obj.Status?.DisruptionsAllowed ?? 0),
            HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
        ];
    }
}
