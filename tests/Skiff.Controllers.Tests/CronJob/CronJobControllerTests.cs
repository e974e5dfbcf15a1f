using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.Common;
using Skiff.Controllers.CronJob;

namespace Skiff.Controllers.Tests.CronJob;

public sealed class CronJobControllerTests
{
    private const string Key = "ns/cj";
    private static readonly DateTimeOffset Created = new(2026, 1, 1, 10, 0, 30, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Created);
    private readonly FakeInformer<V1CronJob> _cronJobs = new();
    private readonly FakeInformer<V1Job> _jobs = new();
    private readonly FakeResourceClient<V1CronJob> _cronJobClient = new(CronJobResources.CronJobs);
    private readonly FakeResourceClient<V1Job> _jobClient = new(ApiResource.Jobs);
    private readonly FakeEventRecorder _events = new();
    private readonly CronJobController _controller;

    public CronJobControllerTests()
    {
        _time.SetLocalTimeZone(TimeZoneInfo.Utc);
        _controller = new CronJobController(_cronJobs, _jobs, _cronJobClient, _jobClient, _events, _time, NullLogger.Instance);
    }

    private V1CronJob NewCronJob(string schedule = "*/1 * * * *", Action<V1CronJobSpec>? configure = null)
    {
        var cj = new V1CronJob
        {
            ApiVersion = "batch/v1",
            Kind = "CronJob",
            Metadata = new V1ObjectMeta { Name = "cj", NamespaceProperty = "ns", CreationTimestamp = Created.UtcDateTime },
            Spec = new V1CronJobSpec
            {
                Schedule = schedule,
                ConcurrencyPolicy = "Allow",
                Suspend = false,
                SuccessfulJobsHistoryLimit = 3,
                FailedJobsHistoryLimit = 1,
                JobTemplate = new V1JobTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "batch" }, Annotations = new Dictionary<string, string> { ["note"] = "x" } },
                    Spec = new V1JobSpec { Template = new V1PodTemplateSpec { Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "c", Image = "busybox" }] } } },
                },
            },
            Status = new V1CronJobStatus(),
        };
        configure?.Invoke(cj.Spec);
        _cronJobs.Add(_cronJobClient.Seed(cj));
        return cj;
    }

    private V1CronJob CronJob => _cronJobClient.Objects.Single();

    private void Refresh()
    {
        foreach (var cj in _cronJobClient.Objects)
        {
            _cronJobs.Add(cj);
        }

        foreach (var j in _jobClient.Objects)
        {
            _jobs.Add(j);
        }

        foreach (var gone in _jobs.Indexer.List().Where(j => _jobClient.Objects.All(o => o.Metadata.Uid != j.Metadata.Uid)).ToList())
        {
            _jobs.Delete(gone);
        }
    }

    private async Task<TimeSpan?> SyncAsync()
    {
        try
        {
            await _controller.SyncAsync(Key, CancellationToken.None);
            return null;
        }
        catch (RequeueAfterException requeue)
        {
            return requeue.Delay;
        }
        finally
        {
            Refresh();
        }
    }

    private static long Minutes(DateTimeOffset t) => t.ToUnixTimeSeconds() / 60;

    /// <summary>A job of the CronJob that finished with <paramref name="condition"/> at <paramref name="start"/>.</summary>
    private V1Job FinishedJob(V1CronJob cj, string name, string condition, DateTimeOffset start)
    {
        var job = _jobClient.Seed(new V1Job
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", OwnerReferences = [Objects.ControllerRef(cj, "batch/v1", "CronJob")] },
            Spec = new V1JobSpec(),
            Status = new V1JobStatus
            {
                StartTime = start.UtcDateTime,
                CompletionTime = condition == "Complete" ? start.AddSeconds(10).UtcDateTime : null,
                Conditions = [new V1JobCondition { Type = condition, Status = "True" }],
            },
        });
        _jobs.Add(job);
        return job;
    }

    [Fact]
    public async Task Sync_BeforeFirstTime_CreatesNothingAndWakesAtTheNextMinute()
    {
        NewCronJob();
        var delay = await SyncAsync();
        Assert.Empty(_jobClient.Objects);
        Assert.Equal(TimeSpan.FromSeconds(30) + ScheduleTimes.NextScheduleDelta, delay);
    }

    [Fact]
    public async Task Sync_TimeDue_CreatesNamedJobFromTemplateAndRecordsIt()
    {
        var cj = NewCronJob();
        _time.Advance(TimeSpan.FromSeconds(35));
        var delay = await SyncAsync();

        var scheduled = new DateTimeOffset(2026, 1, 1, 10, 1, 0, TimeSpan.Zero);
        var job = Assert.Single(_jobClient.Objects);
        Assert.Equal($"cj-{Minutes(scheduled)}", job.Metadata.Name);
        Assert.Equal("batch", job.Metadata.Labels["app"]);
        Assert.Equal("x", job.Metadata.Annotations["note"]);
        Assert.Equal("2026-01-01T10:01:00Z", job.Metadata.Annotations[CronJobResources.ScheduledTimestampAnnotation]);
        var owner = Assert.Single(job.Metadata.OwnerReferences);
        Assert.Equal(("CronJob", cj.Metadata.Uid, true), (owner.Kind, owner.Uid, owner.Controller == true));
        Assert.Equal("busybox", job.Spec.Template.Spec.Containers[0].Image);

        var status = CronJob.Status;
        Assert.Equal(job.Metadata.Uid, Assert.Single(status.Active).Uid);
        Assert.Equal(scheduled.UtcDateTime, status.LastScheduleTime);
        Assert.Equal(TimeSpan.FromSeconds(55) + ScheduleTimes.NextScheduleDelta, delay);
        Assert.Contains($"Normal SuccessfulCreate Created job {job.Metadata.Name}", _events.Events);

        // The same time is never started twice.
        await SyncAsync();
        Assert.Single(_jobClient.Objects);
    }

    [Fact]
    public async Task Sync_StatusWriteLost_JobAlreadyExists_AddedToActive()
    {
        var cj = NewCronJob();
        _time.Advance(TimeSpan.FromSeconds(35));
        var name = $"cj-{Minutes(new DateTimeOffset(2026, 1, 1, 10, 1, 0, TimeSpan.Zero))}";
        _jobClient.Seed(new V1Job { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", OwnerReferences = [Objects.ControllerRef(cj, "batch/v1", "CronJob")] }, Spec = new V1JobSpec() });

        await SyncAsync();
        Assert.Single(_jobClient.Objects);
        Assert.Equal(name, Assert.Single(CronJob.Status.Active).Name);
    }

    [Fact]
    public async Task Sync_Forbid_SkipsWhileAJobRuns()
    {
        NewCronJob(configure: s => s.ConcurrencyPolicy = "Forbid");
        _time.Advance(TimeSpan.FromSeconds(35));
        await SyncAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        await SyncAsync();

        Assert.Single(_jobClient.Objects);
        Assert.Contains("Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid", _events.Events);
    }

    [Fact]
    public async Task Sync_Replace_DeletesTheRunningJobAndStartsANewOne()
    {
        NewCronJob(configure: s => s.ConcurrencyPolicy = "Replace");
        _time.Advance(TimeSpan.FromSeconds(35));
        await SyncAsync();
        var first = Assert.Single(_jobClient.Objects).Metadata.Name;
        _time.Advance(TimeSpan.FromMinutes(1));
        await SyncAsync();

        var job = Assert.Single(_jobClient.Objects);
        Assert.NotEqual(first, job.Metadata.Name);
        Assert.Equal("Background", _jobClient.DeleteOptions.Single()!.PropagationPolicy);
        Assert.Equal(job.Metadata.Uid, Assert.Single(CronJob.Status.Active).Uid);
    }

    [Fact]
    public async Task Sync_Allow_RunsConcurrently()
    {
        NewCronJob();
        _time.Advance(TimeSpan.FromSeconds(35));
        await SyncAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        await SyncAsync();
        Assert.Equal(2, _jobClient.Objects.Count);
        Assert.Equal(2, CronJob.Status.Active.Count);
    }

    [Theory]
    [InlineData(60, false)]
    [InlineData(3600, true)]
    public async Task Sync_StartingDeadline_LateStartsOnlyWithinIt(long deadline, bool started)
    {
        NewCronJob("0 * * * *", s => s.StartingDeadlineSeconds = deadline);
        _time.Advance(TimeSpan.FromMinutes(150));
        await SyncAsync();
        Assert.Equal(started, _jobClient.Objects.Count == 1);
        if (started)
        {
            Assert.Equal(new DateTime(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc), CronJob.Status.LastScheduleTime);
        }
    }

    [Fact]
    public async Task Sync_MoreThanHundredMissed_WarnsAndStartsTheMostRecent()
    {
        NewCronJob();
        _time.Advance(TimeSpan.FromMinutes(200));
        await SyncAsync();
        Assert.Contains(_events.Events, e => e.StartsWith("Warning TooManyMissedTimes too many missed start times: 200.", StringComparison.Ordinal));
        var job = Assert.Single(_jobClient.Objects);
        Assert.Equal($"cj-{Minutes(new DateTimeOffset(2026, 1, 1, 13, 20, 0, TimeSpan.Zero))}", job.Metadata.Name);
    }

    [Fact]
    public async Task Sync_Suspended_CreatesNothing()
    {
        NewCronJob(configure: s => s.Suspend = true);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(await SyncAsync());
        Assert.Empty(_jobClient.Objects);
    }

    [Fact]
    public async Task Sync_TimeZone_SchedulesInThatZoneAndAnnotatesWithItsOffset()
    {
        NewCronJob("0 9 * * *", s => s.TimeZone = "Europe/Berlin");

        // 09:00 in Berlin in January is 08:00 UTC.
        _time.SetUtcNow(new DateTimeOffset(2026, 1, 2, 8, 0, 5, TimeSpan.Zero));
        await SyncAsync();
        var job = Assert.Single(_jobClient.Objects);
        Assert.Equal("2026-01-02T09:00:00+01:00", job.Metadata.Annotations[CronJobResources.ScheduledTimestampAnnotation]);
        Assert.Equal(new DateTime(2026, 1, 2, 8, 0, 0, DateTimeKind.Utc), CronJob.Status.LastScheduleTime);
    }

    [Fact]
    public async Task Sync_HistoryLimits_DeleteOldestFinishedJobs()
    {
        var cj = NewCronJob(configure: s => s.Suspend = true);
        for (var i = 0; i < 5; i++)
        {
            FinishedJob(cj, $"ok-{i}", "Complete", Created.AddMinutes(i));
            FinishedJob(cj, $"bad-{i}", "Failed", Created.AddMinutes(i));
        }

        await SyncAsync();
        Assert.Equal(["bad-4", "ok-2", "ok-3", "ok-4"], _jobClient.Objects.Select(j => j.Metadata.Name).Order(StringComparer.Ordinal));
        Assert.Equal(Created.AddMinutes(4).AddSeconds(10).UtcDateTime, CronJob.Status.LastSuccessfulTime);
        Assert.Equal(6, _events.Events.Count(e => e.StartsWith("Normal SuccessfulDelete Deleted job ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Sync_ActiveJobFinishes_LeavesActiveAndSetsLastSuccessfulTime()
    {
        NewCronJob();
        _time.Advance(TimeSpan.FromSeconds(35));
        await SyncAsync();
        var job = _jobClient.Objects.Single();
        job.Status = new V1JobStatus { StartTime = _time.GetUtcNow().UtcDateTime, CompletionTime = _time.GetUtcNow().UtcDateTime, Conditions = [new V1JobCondition { Type = "Complete", Status = "True" }] };
        await _jobClient.UpdateAsync(job, CancellationToken.None, "status");
        Refresh();

        await SyncAsync();
        Assert.Empty(CronJob.Status.Active ?? []);
        Assert.Equal(_time.GetUtcNow().UtcDateTime, CronJob.Status.LastSuccessfulTime);
        Assert.Contains(_events.Events, e => e.StartsWith("Normal SawCompletedJob Saw completed job: cj-", StringComparison.Ordinal) && e.EndsWith("condition: Complete", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sync_ActiveJobDeleted_DroppedFromActive()
    {
        NewCronJob();
        _time.Advance(TimeSpan.FromSeconds(35));
        await SyncAsync();
        var job = _jobClient.Objects.Single();
        await _jobClient.DeleteAsync("ns", job.Metadata.Name, null, CancellationToken.None);
        Refresh();

        await SyncAsync();
        Assert.Empty(CronJob.Status.Active ?? []);
        Assert.Contains($"Normal MissingJob Active job went missing: {job.Metadata.Name}", _events.Events);
    }

    [Fact]
    public async Task Handler_JobEventsEnqueueTheOwningCronJob()
    {
        var cj = NewCronJob();
        while (_controller.Queue.Length > 0)
        {
            var (key, _) = await _controller.Queue.GetAsync(CancellationToken.None);
            _controller.Queue.Done(key);
        }

        FinishedJob(cj, "j", "Complete", Created);
        Assert.Equal(1, _controller.Queue.Length);
    }
}
