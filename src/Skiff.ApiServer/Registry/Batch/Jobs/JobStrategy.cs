using System.Globalization;
using System.Text.Json;
using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Apps;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Batch.Jobs;

/// <summary>
/// batch/v1 Jobs, following pkg/registry/batch/job/strategy.go (selector generation from the job's uid),
/// SetDefaults_Job and ValidateJob / ValidateJobUpdate.
/// </summary>
internal sealed class JobStrategy : ResourceStrategy<V1Job>
{
    public const string LegacyJobNameLabel = "job-name";
    public const string JobNameLabel = "batch.kubernetes.io/job-name";
    public const string LegacyControllerUidLabel = "controller-uid";
    public const string ControllerUidLabel = "batch.kubernetes.io/controller-uid";

    public override bool TracksGeneration => true;

    public override TableConvertor<V1Job> Table { get; } = new JobTable();

    /// <summary>
    /// SetDefaults_Job: completions and parallelism 1 when both unset, backoffLimit 6 (MaxInt32 with a per-index
    /// limit), NonIndexed, not suspended, pod-condition patterns True, podReplacementPolicy Failed with a
    /// pod failure policy else TerminatingOrFailed, and manualSelector false (as 1.33 does).
    /// </summary>
    public override void Default(V1Job obj)
    {
        var spec = obj.Spec ??= new V1JobSpec();
        if (spec.Completions is null && spec.Parallelism is null)
        {
            spec.Completions = 1;
            spec.Parallelism = 1;
        }

        spec.Parallelism ??= 1;
        spec.BackoffLimit ??= spec.BackoffLimitPerIndex is not null ? int.MaxValue : 6;
        if (string.IsNullOrEmpty(spec.CompletionMode))
        {
            spec.CompletionMode = "NonIndexed";
        }

        spec.Suspend ??= false;
        spec.ManualSelector ??= false;
        foreach (var rule in spec.PodFailurePolicy?.Rules ?? [])
        {
            foreach (var pattern in rule.OnPodConditions ?? [])
            {
                if (string.IsNullOrEmpty(pattern.Status))
                {
                    pattern.Status = "True";
                }
            }
        }

        if (string.IsNullOrEmpty(spec.PodReplacementPolicy))
        {
            spec.PodReplacementPolicy = spec.PodFailurePolicy is not null ? "Failed" : "TerminatingOrFailed";
        }

        spec.Template ??= new V1PodTemplateSpec();
        PodSpecDefaults.ApplyTemplate(spec.Template);
    }

    /// <summary>
    /// Clears status and, unless the user manages the selector, labels the template with the job's name and uid
    /// and selects on the uid (kube-apiserver's generateSelector; the registry has set metadata.uid already).
    /// A job without labels of its own takes its template's labels, as SetDefaults_Job does.
    /// </summary>
    public override void PrepareForCreate(V1Job obj)
    {
        base.PrepareForCreate(obj);
        obj.Status = new V1JobStatus();
        if (obj.Spec.ManualSelector != true)
        {
            GenerateSelector(obj);
        }

        if ((obj.Metadata.Labels?.Count ?? 0) == 0 && obj.Spec.Template?.Metadata?.Labels is { Count: > 0 } templateLabels)
        {
            obj.Metadata.Labels = new Dictionary<string, string>(templateLabels);
        }
    }

    internal static void GenerateSelector(V1Job obj)
    {
        var template = obj.Spec.Template ??= new V1PodTemplateSpec();
        template.Metadata ??= new V1ObjectMeta();
        var labels = template.Metadata.Labels ??= new Dictionary<string, string>();
        var name = obj.Metadata.Name ?? "";
        var uid = obj.Metadata.Uid ?? "";

        // A user-set label wins here; validation then reports the mismatch.
        labels.TryAdd(LegacyJobNameLabel, name);
        labels.TryAdd(JobNameLabel, name);
        labels.TryAdd(LegacyControllerUidLabel, uid);
        labels.TryAdd(ControllerUidLabel, uid);
        var selector = obj.Spec.Selector ??= new V1LabelSelector();
        selector.MatchLabels ??= new Dictionary<string, string>();
        selector.MatchLabels.TryAdd(ControllerUidLabel, uid);
    }

    public override void Validate(V1Job obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1JobSpec();
        if (spec.ManualSelector != true && spec.Selector is not null)
        {
            ValidateGeneratedSelector(obj, errors);
        }

        ValidateSpec(spec, errors);
    }

    private static void ValidateSpec(V1JobSpec spec, FieldErrors errors)
    {
        JobSpecValidation.Validate(spec, "spec", errors);
        if (spec.Selector is null)
        {
            errors.Required("spec.selector");
        }
        else
        {
            LabelSelectors.Validate(spec.Selector, "spec.selector", errors);
        }

        if (LabelSelectors.IsConvertible(spec.Selector) && !LabelSelectors.Matches(spec.Selector, spec.Template?.Metadata?.Labels))
        {
            errors.Invalid("spec.template.metadata.labels", GoValue.StringMap(spec.Template?.Metadata?.Labels), WorkloadValidation.SelectorMismatch);
        }
    }

    /// <summary>ValidateGeneratedSelector: the generated labels are present and the selector is the generated one.</summary>
    private static void ValidateGeneratedSelector(V1Job obj, FieldErrors errors)
    {
        var uid = obj.Metadata.Uid ?? "";
        if (uid.Length == 0)
        {
            errors.Required("metadata.uid");
        }

        var labels = obj.Spec.Template?.Metadata?.Labels;
        HasLabel(labels, LegacyControllerUidLabel, uid, errors);
        HasLabel(labels, LegacyJobNameLabel, obj.Metadata.Name ?? "", errors);
        HasLabel(labels, ControllerUidLabel, uid, errors);
        HasLabel(labels, JobNameLabel, obj.Metadata.Name ?? "", errors);
        var expected = new Dictionary<string, string> { [ControllerUidLabel] = uid };
        if (!LabelSelectors.IsConvertible(obj.Spec.Selector) || !LabelSelectors.Matches(obj.Spec.Selector, expected))
        {
            errors.Invalid("spec.selector", GoValue.Selector(obj.Spec.Selector), "`selector` not auto-generated");
        }
    }

    /// <summary>ValidateHasLabel on the template metadata.</summary>
    private static void HasLabel(IDictionary<string, string>? labels, string key, string expected, FieldErrors errors)
    {
        var path = $"spec.template.metadata.labels[{key}]";
        if (labels is null || !labels.TryGetValue(key, out var actual))
        {
            errors.Required(path, expected);
        }
        else if (actual != expected)
        {
            errors.Invalid(path, GoValue.StringMap(labels), expected);
        }
    }

    /// <summary>
    /// ValidateJobUpdate: selector, completion mode, failure and success policies, per-index limits and managedBy
    /// are immutable; completions only change for Indexed jobs together with parallelism; the template is
    /// immutable except for scheduling directives of a suspended job that never started.
    /// </summary>
    public override void ValidateUpdate(V1Job obj, V1Job old, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1JobSpec();
        var oldSpec = old.Spec ?? new V1JobSpec();
        ValidateSpec(spec, errors);
        if (spec.CompletionMode == "Indexed")
        {
            if (spec.Completions != oldSpec.Completions && spec.Completions != spec.Parallelism)
            {
                errors.Invalid("spec.completions", (object?)spec.Completions ?? "null", "can only be modified in tandem with spec.parallelism");
            }
        }
        else if (spec.Completions != oldSpec.Completions)
        {
            errors.Immutable("spec.completions", (object?)spec.Completions ?? GoValue.Raw("null"));
        }

        if (!SpecDiff.JsonEqual(spec.Selector, oldSpec.Selector))
        {
            errors.Immutable("spec.selector", GoValue.Selector(spec.Selector));
        }

        var mutableScheduling = oldSpec.Suspend == true && old.Status?.StartTime is null;
        if (!SpecDiff.JsonEqual(ComparableTemplate(spec.Template, oldSpec.Template, mutableScheduling), oldSpec.Template))
        {
            errors.Immutable("spec.template", spec.Template);
        }

        if (spec.CompletionMode != oldSpec.CompletionMode)
        {
            errors.Immutable("spec.completionMode", spec.CompletionMode ?? "");
        }

        FieldRules.Immutable(spec.PodFailurePolicy, oldSpec.PodFailurePolicy, "spec.podFailurePolicy", errors);
        FieldRules.Immutable(spec.SuccessPolicy, oldSpec.SuccessPolicy, "spec.successPolicy", errors);
        if (spec.BackoffLimitPerIndex != oldSpec.BackoffLimitPerIndex)
        {
            errors.Immutable("spec.backoffLimitPerIndex", (object?)spec.BackoffLimitPerIndex ?? GoValue.Raw("null"));
        }

        if (spec.ManagedBy != oldSpec.ManagedBy)
        {
            errors.Immutable("spec.managedBy", (object?)spec.ManagedBy ?? GoValue.Raw("null"));
        }
    }

    /// <summary>
    /// The new template with the fields a suspended, never-started job may change copied from the old one, so
    /// the remainder can be compared (JobMutableSchedulingDirectives).
    /// </summary>
    private static V1PodTemplateSpec? ComparableTemplate(V1PodTemplateSpec? template, V1PodTemplateSpec? old, bool mutableScheduling)
    {
        if (!mutableScheduling || template is null || old is null)
        {
            return template;
        }

        var copy = JsonSerializer.Deserialize<V1PodTemplateSpec>(JsonSerializer.Serialize(template, ApiJson.Options), ApiJson.Options)!;
        copy.Metadata ??= new V1ObjectMeta();
        copy.Metadata.Labels = old.Metadata?.Labels;
        copy.Metadata.Annotations = old.Metadata?.Annotations;
        copy.Spec.NodeSelector = old.Spec?.NodeSelector;
        copy.Spec.Tolerations = old.Spec?.Tolerations;
        copy.Spec.Affinity = old.Spec?.Affinity;
        copy.Spec.SchedulingGates = old.Spec?.SchedulingGates;
        return copy;
    }

    /// <summary>The counters of a job's status are never negative.</summary>
    public override void ValidateStatusUpdate(V1Job obj, V1Job old, FieldErrors errors)
    {
        var s = obj.Status ?? new V1JobStatus();
        FieldRules.NonNegative(s.Active, "status.active", errors);
        FieldRules.NonNegative(s.Succeeded, "status.succeeded", errors);
        FieldRules.NonNegative(s.Failed, "status.failed", errors);
        FieldRules.NonNegative(s.Ready, "status.ready", errors);
        FieldRules.NonNegative(s.Terminating, "status.terminating", errors);
    }

    /// <summary>JobToSelectableFields: <c>status.successful</c>.</summary>
    public override IEnumerable<KeyValuePair<string, string>> SelectableFields(V1Job obj) =>
        [new("status.successful", (obj.Status?.Succeeded ?? 0).ToString(CultureInfo.InvariantCulture))];
}
