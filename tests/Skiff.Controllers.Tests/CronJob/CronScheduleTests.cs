using k8s.Models;
using Skiff.Controllers.CronJob;

namespace Skiff.Controllers.Tests.CronJob;

public sealed class CronScheduleTests
{
    private static readonly DateTimeOffset T = new(2026, 3, 4, 10, 17, 30, TimeSpan.Zero);

    [Theory]
    [InlineData("*/1 * * * *", "2026-03-04T10:18:00Z")]
    [InlineData("*/15 * * * *", "2026-03-04T10:30:00Z")]
    [InlineData("0 9 * * 1-5", "2026-03-05T09:00:00Z")]
    [InlineData("@hourly", "2026-03-04T11:00:00Z")]
    [InlineData("@daily", "2026-03-05T00:00:00Z")]
    [InlineData("@midnight", "2026-03-05T00:00:00Z")]
    [InlineData("@weekly", "2026-03-08T00:00:00Z")]
    [InlineData("@monthly", "2026-04-01T00:00:00Z")]
    [InlineData("@yearly", "2027-01-01T00:00:00Z")]
    [InlineData("@annually", "2027-01-01T00:00:00Z")]
    [InlineData("0 0 1 jan,jul ?", "2026-07-01T00:00:00Z")]
    [InlineData("@every 90s", "2026-03-04T10:19:00Z")]
    [InlineData("0 0 1 * 1", "2026-03-09T00:00:00Z")]
    [InlineData("0 0 */10 * 1", "2026-05-11T00:00:00Z")]
    [InlineData("0 0 * * 1", "2026-03-09T00:00:00Z")]
    public void Next_StandardSyntaxAndMacros(string spec, string expected)
    {
        var schedule = CronSchedule.TryParse(spec, null, TimeZoneInfo.Utc, out var error);
        Assert.Null(error);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), schedule!.Next(T));
    }

    [Theory]
    [InlineData("* * * *")]
    [InlineData("61 * * * *")]
    [InlineData("@reboot")]
    [InlineData("@every soon")]
    public void TryParse_Invalid_ReportsError(string spec)
    {
        Assert.Null(CronSchedule.TryParse(spec, null, TimeZoneInfo.Utc, out var error));
        Assert.NotNull(error);
    }

    [Fact]
    public void TryParse_TimeZone_EvaluatesInThatZone()
    {
        var schedule = CronSchedule.TryParse("30 2 * * *", "America/New_York", TimeZoneInfo.Utc, out _)!;

        // 02:30 in New York (EST, UTC-5) is 07:30 UTC.
        Assert.Equal(new DateTimeOffset(2026, 1, 10, 7, 30, 0, TimeSpan.Zero), schedule.Next(new DateTimeOffset(2026, 1, 10, 0, 0, 0, TimeSpan.Zero))!.Value.ToUniversalTime());
    }

    [Fact]
    public void MostRecent_ImpossibleDate_IsAnError()
    {
        var schedule = CronSchedule.TryParse("0 0 30 2 *", null, TimeZoneInfo.Utc, out _)!;
        var result = ScheduleTimes.MostRecent(CronJob(T.AddDays(-1)), T, schedule, includeStartingDeadline: true);
        Assert.NotNull(result.Error);
    }

    [Fact]
    public void MostRecent_IrregularSchedule_FindsTheLatestTimeAndCountsMisses()
    {
        var schedule = CronSchedule.TryParse("30 6-16/4 * * 1-5", null, TimeZoneInfo.Utc, out _)!;

        // Created Monday 2 March; at Wednesday 4 March 10:17:30 the latest time is 06:30 (10:30 is still ahead).
        var result = ScheduleTimes.MostRecent(CronJob(new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero)), T, schedule, includeStartingDeadline: false);
        Assert.Equal(new DateTimeOffset(2026, 3, 4, 6, 30, 0, TimeSpan.Zero), result.MostRecent);
        Assert.True(result.Missed > 1);
    }

    [Fact]
    public void JobName_IsScheduledMinutesSinceEpoch()
    {
        var cj = CronJob(T);
        Assert.Equal("cj-29543657", ScheduleTimes.JobName(cj, new DateTimeOffset(2026, 3, 4, 10, 17, 0, TimeSpan.Zero)));
    }

    private static V1CronJob CronJob(DateTimeOffset created) => new()
    {
        Metadata = new V1ObjectMeta { Name = "cj", CreationTimestamp = created.UtcDateTime },
        Spec = new V1CronJobSpec(),
        Status = new V1CronJobStatus(),
    };
}
