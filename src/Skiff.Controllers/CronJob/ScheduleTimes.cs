using k8s.Models;

namespace Skiff.Controllers.CronJob;

/// <summary>
/// Which scheduled time a CronJob is due for and when to look again, as kube-controller-manager's cronjob
/// controller v2 works it out (mostRecentScheduleTime, nextScheduleTime, nextScheduleTimeDuration).
/// </summary>
internal static class ScheduleTimes
{
    /// <summary>More missed start times than this are reported as a likely clock problem.</summary>
    public const int TooManyMissed = 100;

    /// <summary>Wake a little after the scheduled time so the time has certainly passed (nextScheduleDelta).</summary>
    public static readonly TimeSpan NextScheduleDelta = TimeSpan.FromMilliseconds(100);

    public readonly record struct Result(DateTimeOffset Earliest, DateTimeOffset? MostRecent, long Missed, string? Error);

    /// <summary>
    /// The latest scheduled time at or before <paramref name="now"/> since the last schedule (or creation), and
    /// roughly how many were missed. With <paramref name="includeStartingDeadline"/>, times older than
    /// startingDeadlineSeconds are not considered at all.
    /// </summary>
    public static Result MostRecent(V1CronJob cronJob, DateTimeOffset now, CronSchedule schedule, bool includeStartingDeadline)
    {
        var earliest = cronJob.Status?.LastScheduleTime is { } last ? Utc(last) : Utc(cronJob.Metadata.CreationTimestamp ?? now.UtcDateTime);
        if (includeStartingDeadline && cronJob.Spec.StartingDeadlineSeconds is { } deadline)
        {
            var schedulingDeadline = now.AddSeconds(-deadline);
            if (schedulingDeadline > earliest)
            {
                earliest = schedulingDeadline;
            }
        }

        if (schedule.Next(earliest) is not { } t1 || schedule.Next(t1) is not { } t2)
        {
            return new Result(earliest, null, 0, "time difference between two schedules is less than 1 second");
        }

        if (now < t1)
        {
            return new Result(earliest, null, 0, null);
        }

        if (now < t2)
        {
            return new Result(earliest, t1, 1, null);
        }

        var between = (long)Math.Round((t2 - t1).TotalSeconds);
        if (between < 1)
        {
            return new Result(earliest, null, 0, "time difference between two schedules is less than 1 second");
        }

        // An estimate from the interval of the first two times; then walk the last few to find the exact one,
        // which also copes with irregular schedules (30 6-16/4 * * 1-5).
        var missed = (long)(now - t1).TotalSeconds / between + 1;
        var start = t1.AddSeconds((missed - 2) * between);
        DateTimeOffset? mostRecent = null;
        for (var t = schedule.Next(start); t is { } at && at <= now; t = schedule.Next(at))
        {
            mostRecent = at;
        }

        return new Result(earliest, mostRecent, missed, null);
    }

    /// <summary>The scheduled time a job is due for now, or null when none is (nextScheduleTime).</summary>
    public static Result Due(V1CronJob cronJob, DateTimeOffset now, CronSchedule schedule)
    {
        var result = MostRecent(cronJob, now, schedule, includeStartingDeadline: true);
        return result.MostRecent is { } t && t > now ? result with { MostRecent = null } : result;
    }

    /// <summary>How long until the next scheduled time after the most recent one (nextScheduleTimeDuration), plus a small delta.</summary>
    public static TimeSpan UntilNext(V1CronJob cronJob, DateTimeOffset now, CronSchedule schedule)
    {
        var result = MostRecent(cronJob, now, schedule, includeStartingDeadline: false);
        var from = result.Error is not null ? now : result.MostRecent ?? result.Earliest;
        var next = schedule.Next(from) ?? now.AddYears(1);
        return next + NextScheduleDelta - now;
    }

    /// <summary>The job name for a scheduled time: the CronJob's name and the time in minutes since the epoch.</summary>
    public static string JobName(V1CronJob cronJob, DateTimeOffset scheduled) =>
        $"{cronJob.Metadata.Name}-{scheduled.ToUnixTimeSeconds() / 60}";

    private static DateTimeOffset Utc(DateTime t) =>
        new(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime());
}
