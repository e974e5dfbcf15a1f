using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Batch;

/// <summary>
/// batch/v1 JobSpec rules shared by Jobs and CronJob job templates (pkg/apis/batch/validation's validateJobSpec):
/// counts non-negative, completion mode, pod replacement policy, and a pod template that restarts OnFailure or Never.
/// </summary>
internal static class JobSpecValidation
{
    public const int MaxParallelismForIndexedJob = 100_000;

    private static readonly string[] CompletionModes = ["NonIndexed", "Indexed"];
    private static readonly string[] RestartPolicies = ["OnFailure", "Never"];
    private static readonly string[] ReplacementPolicies = ["TerminatingOrFailed", "Failed"];

    public static void Validate(V1JobSpec spec, string path, FieldErrors errors)
    {
        FieldRules.NonNegative(spec.Parallelism, path + ".parallelism", errors);
        FieldRules.NonNegative(spec.Completions, path + ".completions", errors);
        FieldRules.NonNegative(spec.ActiveDeadlineSeconds, path + ".activeDeadlineSeconds", errors);
        FieldRules.NonNegative(spec.BackoffLimit, path + ".backoffLimit", errors);
        FieldRules.NonNegative(spec.TtlSecondsAfterFinished, path + ".ttlSecondsAfterFinished", errors);
        if (spec.BackoffLimitPerIndex is { } perIndex)
        {
            FieldRules.NonNegative(perIndex, path + ".backoffLimitPerIndex", errors);
            if (spec.CompletionMode != "Indexed")
            {
                errors.Forbidden(path + ".backoffLimitPerIndex", "requires indexed completion mode");
            }
        }

        if (spec.MaxFailedIndexes is not null && spec.BackoffLimitPerIndex is null)
        {
            errors.Required(path + ".backoffLimitPerIndex", "when maxFailedIndexes is specified");
        }

        if (spec.CompletionMode is { } mode)
        {
            if (!CompletionModes.Contains(mode))
            {
                errors.NotSupported(path + ".completionMode", mode, CompletionModes);
            }

            if (mode == "Indexed")
            {
                if (spec.Completions is null)
                {
                    errors.Required(path + ".completions", "when completion mode is Indexed");
                }

                if (spec.Parallelism is > MaxParallelismForIndexedJob)
                {
                    errors.Invalid(path + ".parallelism", spec.Parallelism.Value, $"must be less than or equal to {MaxParallelismForIndexedJob} when completion mode is Indexed");
                }
            }
        }

        if (spec.PodReplacementPolicy is { } replacement)
        {
            if (!ReplacementPolicies.Contains(replacement))
            {
                errors.NotSupported(path + ".podReplacementPolicy", replacement, ReplacementPolicies);
            }
            else if (spec.PodFailurePolicy is not null && replacement != "Failed")
            {
                errors.NotSupported(path + ".podReplacementPolicy", replacement, ["Failed"]);
            }
        }

        var template = spec.Template ?? new V1PodTemplateSpec();
        PodSpecValidation.ValidateTemplate(template, path + ".template", errors);
        var rp = template.Spec?.RestartPolicy ?? "";
        if (!RestartPolicies.Contains(rp))
        {
            errors.NotSupported(path + ".template.spec.restartPolicy", rp, RestartPolicies);
        }
        else if (rp == "OnFailure" && spec.PodFailurePolicy is not null)
        {
            errors.Invalid(path + ".template.spec.restartPolicy", rp, "only \"Never\" is supported when podFailurePolicy is specified");
        }
    }
}
