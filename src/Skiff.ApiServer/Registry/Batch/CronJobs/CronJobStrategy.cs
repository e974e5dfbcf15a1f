using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Batch.CronJobs;

/// <summary>
/// batch/v1 CronJobs, following pkg/registry/batch/cronjob/strategy.go, SetDefaults_CronJob and
/// ValidateCronJobCreate / ValidateCronJobUpdate (schedule syntax as robfig/cron parses it, IANA time zones).
/// </summary>
internal sealed class CronJobStrategy : ResourceStrategy<V1CronJob>
{
    /// <summary>Job names get an 11-character suffix and must stay DNS-1035 labels (63 - 11).</summary>
    public const int MaxNameLength = 52;

    private static readonly string[] ConcurrencyPolicies = ["Allow", "Forbid", "Replace"];

    public override bool TracksGeneration => true;

    public override TableConvertor<V1CronJob> Table { get; } = new CronJobTable();

    /// <summary>SetDefaults_CronJob: Allow, not suspended, keep 3 successful and 1 failed job; template pod defaults.</summary>
    public override void Default(V1CronJob obj)
    {
        var spec = obj.Spec ??= new V1CronJobSpec();
        if (string.IsNullOrEmpty(spec.ConcurrencyPolicy))
        {
            spec.ConcurrencyPolicy = "Allow";
        }

        spec.Suspend ??= false;
        spec.SuccessfulJobsHistoryLimit ??= 3;
        spec.FailedJobsHistoryLimit ??= 1;
        spec.JobTemplate ??= new V1JobTemplateSpec();
        spec.JobTemplate.Spec ??= new V1JobSpec();
        PodSpecDefaults.ApplyTemplate(spec.JobTemplate.Spec.Template ??= new V1PodTemplateSpec());
    }

    public override void PrepareForCreate(V1CronJob obj)
    {
        base.PrepareForCreate(obj);
        obj.Status = new V1CronJobStatus();
    }

    public override void Validate(V1CronJob obj, FieldErrors errors)
    {
        if ((obj.Metadata?.Name?.Length ?? 0) > MaxNameLength)
        {
            errors.Invalid("metadata.name", obj.Metadata!.Name, $"must be no more than {MaxNameLength} characters");
        }

        ValidateSpec(obj.Spec ?? new V1CronJobSpec(), null, errors);
    }

    public override void ValidateUpdate(V1CronJob obj, V1CronJob old, FieldErrors errors) =>
        ValidateSpec(obj.Spec ?? new V1CronJobSpec(), old.Spec ?? new V1CronJobSpec(), errors);

    private static void ValidateSpec(V1CronJobSpec spec, V1CronJobSpec? oldSpec, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(spec.Schedule))
        {
            errors.Required("spec.schedule");
        }
        else
        {
            // Schedules already using TZ= may keep it (they were accepted before timeZone existed).
            var allowTz = oldSpec?.Schedule?.Contains("TZ", StringComparison.Ordinal) == true;
            if (CronSchedule.Error(spec.Schedule) is { } err)
            {
                errors.Invalid("spec.schedule", spec.Schedule, err);
            }

            if (allowTz && spec.Schedule.Contains("TZ", StringComparison.Ordinal) && spec.TimeZone is not null)
            {
                errors.Invalid("spec.schedule", spec.Schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule");
            }
            else if (!allowTz && spec.Schedule.Contains("TZ", StringComparison.Ordinal))
            {
                errors.Invalid("spec.schedule", spec.Schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
            }
        }

        FieldRules.NonNegative(spec.StartingDeadlineSeconds, "spec.startingDeadlineSeconds", errors);
        if (oldSpec is null || oldSpec.TimeZone != spec.TimeZone)
        {
            ValidateTimeZone(spec.TimeZone, errors);
        }

        switch (spec.ConcurrencyPolicy)
        {
            case null or "":
                errors.Required("spec.concurrencyPolicy");
                break;
            case var cp when !ConcurrencyPolicies.Contains(cp):
                errors.NotSupported("spec.concurrencyPolicy", cp, ConcurrencyPolicies);
                break;
        }

        var jobSpec = spec.JobTemplate?.Spec ?? new V1JobSpec();
        FieldRules.Labels(spec.JobTemplate?.Metadata?.Labels, "spec.jobTemplate.metadata.labels", errors);
        FieldRules.Annotations(spec.JobTemplate?.Metadata?.Annotations, "spec.jobTemplate.metadata.annotations", errors);
        JobSpecValidation.Validate(jobSpec, "spec.jobTemplate.spec", errors);
        if (jobSpec.Selector is not null)
        {
            errors.Invalid("spec.jobTemplate.spec.selector", GoValue.Selector(jobSpec.Selector), "`selector` will be auto-generated");
        }

        if (jobSpec.ManualSelector == true)
        {
            errors.NotSupported("spec.jobTemplate.spec.manualSelector", true, ["nil", "false"]);
        }

        FieldRules.NonNegative(spec.SuccessfulJobsHistoryLimit, "spec.successfulJobsHistoryLimit", errors);
        FieldRules.NonNegative(spec.FailedJobsHistoryLimit, "spec.failedJobsHistoryLimit", errors);
    }

    /// <summary>validateTimeZone: nil or a non-empty, explicit IANA zone that the host's tz database knows.</summary>
    private static void ValidateTimeZone(string? zone, FieldErrors errors)
    {
        const string path = "spec.timeZone";
        if (zone is null)
        {
            return;
        }

        if (zone.Length == 0)
        {
            errors.Invalid(path, zone, "timeZone must be nil or non-empty string");
            return;
        }

        if (!TimeZones.HasValidCharacters(zone))
        {
            errors.Invalid(path, zone, $"unknown time zone {zone}");
            return;
        }

        if (string.Equals(zone, "Local", StringComparison.OrdinalIgnoreCase))
        {
            errors.Invalid(path, zone, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones");
        }
        else if (!TimeZones.Exists(zone))
        {
            errors.Invalid(path, zone, $"unknown time zone {zone}");
        }
    }
}
