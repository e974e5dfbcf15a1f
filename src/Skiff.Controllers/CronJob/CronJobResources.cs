using Skiff.Client.Api;

namespace Skiff.Controllers.CronJob;

/// <summary>The batch/v1 CronJob resource as the controllers address it.</summary>
internal static class CronJobResources
{
    public static readonly ApiResource CronJobs = new("batch", "v1", "cronjobs", "CronJob", true);

    /// <summary>Annotation on each job: the scheduled time it was created for, RFC 3339 in the CronJob's zone.</summary>
    public const string ScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp";
}
