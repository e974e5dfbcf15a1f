using System.Globalization;
using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Apps.DaemonSets;

/// <summary>
/// apps/v1 DaemonSets, following pkg/registry/apps/daemonset/strategy.go, SetDefaults_DaemonSet and
/// ValidateDaemonSetSpec.
/// </summary>
internal sealed class DaemonSetStrategy : ResourceStrategy<V1DaemonSet>
{
    /// <summary>
    /// The internal DaemonSet's spec.templateGeneration, which apps/v1 carries in this annotation: 1 on create,
    /// +1 whenever the pod template changes, never settable by clients.
    /// </summary>
    public const string TemplateGenerationAnnotation = "deprecated.daemonset.template.generation";

    private static readonly string[] UpdateStrategyTypes = ["RollingUpdate", "OnDelete"];

    public override bool TracksGeneration => true;

    public override TableConvertor<V1DaemonSet> Table { get; } = new DaemonSetTable();

    /// <summary>SetDefaults_DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0, history 10.</summary>
    public override void Default(V1DaemonSet obj)
    {
        var spec = obj.Spec ??= new V1DaemonSetSpec();
        var strategy = spec.UpdateStrategy ??= new V1DaemonSetUpdateStrategy();
        if (string.IsNullOrEmpty(strategy.Type))
        {
            strategy.Type = "RollingUpdate";
        }

        if (strategy.Type == "RollingUpdate")
        {
            strategy.RollingUpdate ??= new V1RollingUpdateDaemonSet();
            strategy.RollingUpdate.MaxUnavailable ??= 1;
            strategy.RollingUpdate.MaxSurge ??= 0;
        }

        spec.RevisionHistoryLimit ??= 10;
        spec.Template ??= new V1PodTemplateSpec();
        PodSpecDefaults.ApplyTemplate(spec.Template);
    }

    public override void PrepareForCreate(V1DaemonSet obj)
    {
        base.PrepareForCreate(obj);
        obj.Status = new V1DaemonSetStatus();
        SetTemplateGeneration(obj, 1);
    }

    public override void PrepareForUpdate(V1DaemonSet obj, V1DaemonSet old)
    {
        base.PrepareForUpdate(obj, old);
        var generation = TemplateGeneration(old);
        if (!SpecDiff.JsonEqual(obj.Spec?.Template, old.Spec?.Template))
        {
            generation++;
        }

        SetTemplateGeneration(obj, generation);
    }

    public override void Validate(V1DaemonSet obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1DaemonSetSpec();
        LabelSelectors.Validate(spec.Selector, "spec.selector", errors);
        var template = spec.Template ?? new V1PodTemplateSpec();
        if (LabelSelectors.IsConvertible(spec.Selector) && !LabelSelectors.Matches(spec.Selector, template.Metadata?.Labels))
        {
            errors.Invalid("spec.template.metadata.labels", GoValue.StringMap(template.Metadata?.Labels), WorkloadValidation.SelectorMismatch);
        }

        if (spec.Selector is not null && LabelSelectors.IsEmpty(spec.Selector))
        {
            errors.Invalid("spec.selector", GoValue.Selector(spec.Selector), "empty selector is invalid for daemonset");
        }

        PodSpecValidation.ValidateTemplate(template, "spec.template", errors);
        WorkloadValidation.RestartAlways(template, "spec.template", "DaemonSet", errors);
        FieldRules.NonNegative(spec.MinReadySeconds, "spec.minReadySeconds", errors);
        ValidateUpdateStrategy(spec.UpdateStrategy, errors);
        FieldRules.NonNegative(spec.RevisionHistoryLimit, "spec.revisionHistoryLimit", errors);
    }

    private static void ValidateUpdateStrategy(V1DaemonSetUpdateStrategy? strategy, FieldErrors errors)
    {
        const string path = "spec.updateStrategy";
        switch (strategy?.Type)
        {
            case "OnDelete":
                break;
            case "RollingUpdate":
                if (strategy.RollingUpdate is not { } ru)
                {
                    errors.Required(path + ".rollingUpdate");
                    break;
                }

                var p = path + ".rollingUpdate";
                IntOrPercent.ValidatePositive(ru.MaxUnavailable, p + ".maxUnavailable", errors);
                IntOrPercent.ValidatePositive(ru.MaxSurge, p + ".maxSurge", errors);
                IntOrPercent.NotMoreThan100Percent(ru.MaxUnavailable, p + ".maxUnavailable", errors);
                IntOrPercent.NotMoreThan100Percent(ru.MaxSurge, p + ".maxSurge", errors);
                var hasUnavailable = IntOrPercent.Value(ru.MaxUnavailable) != 0;
                var hasSurge = IntOrPercent.Value(ru.MaxSurge) != 0;
                if (hasUnavailable && hasSurge)
                {
                    errors.Invalid(p + ".maxSurge", IntOrPercent.Shown(ru.MaxSurge), "may not be set when maxUnavailable is non-zero");
                }
                else if (!hasUnavailable && !hasSurge)
                {
                    errors.Required(p + ".maxUnavailable", "cannot be 0 when maxSurge is 0");
                }

                break;
            default:
                errors.NotSupported(path, strategy?.Type ?? "", UpdateStrategyTypes);
                break;
        }
    }

    /// <summary>validateDaemonSetStatus plus the collisionCount rule.</summary>
    public override void ValidateStatusUpdate(V1DaemonSet obj, V1DaemonSet old, FieldErrors errors)
    {
        var s = obj.Status ?? new V1DaemonSetStatus();
        const string p = "status";
        FieldRules.NonNegative(s.CurrentNumberScheduled, p + ".currentNumberScheduled", errors);
        FieldRules.NonNegative(s.NumberMisscheduled, p + ".numberMisscheduled", errors);
        FieldRules.NonNegative(s.DesiredNumberScheduled, p + ".desiredNumberScheduled", errors);
        FieldRules.NonNegative(s.NumberReady, p + ".numberReady", errors);
        FieldRules.NonNegative(s.ObservedGeneration, p + ".observedGeneration", errors);
        FieldRules.NonNegative(s.UpdatedNumberScheduled, p + ".updatedNumberScheduled", errors);
        FieldRules.NonNegative(s.NumberAvailable, p + ".numberAvailable", errors);
        FieldRules.NonNegative(s.NumberUnavailable, p + ".numberUnavailable", errors);
        FieldRules.NonNegative(s.CollisionCount, p + ".collisionCount", errors);
        WorkloadValidation.CollisionCount(s.CollisionCount, old.Status?.CollisionCount, p + ".collisionCount", errors);
    }

    internal static long TemplateGeneration(V1DaemonSet obj) =>
        obj.Metadata?.Annotations?.TryGetValue(TemplateGenerationAnnotation, out var v) == true &&
        long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var g) ? g : 0;

    private static void SetTemplateGeneration(V1DaemonSet obj, long generation)
    {
        obj.Metadata ??= new V1ObjectMeta();
        obj.Metadata.Annotations ??= new Dictionary<string, string>();
        obj.Metadata.Annotations[TemplateGenerationAnnotation] = generation.ToString(CultureInfo.InvariantCulture);
    }
}
