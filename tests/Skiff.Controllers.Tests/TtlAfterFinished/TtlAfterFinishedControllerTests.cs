using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.Common;
using Skiff.Controllers.TtlAfterFinished;

namespace Skiff.Controllers.Tests.TtlAfterFinished;

public sealed class TtlAfterFinishedControllerTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly FakeInformer<V1Job> _jobs = new();
    private readonly FakeResourceClient<V1Job> _client = new(ApiResource.Jobs);
    private readonly TtlAfterFinishedController _controller;

    public TtlAfterFinishedControllerTests()
    {
        _controller = new TtlAfterFinishedController(_jobs, _client, _time, NullLogger.Instance);
    }

    private V1Job Job(int? ttl, string? finished, int finishedSecondsAgo = 0)
    {
        var job = _client.Seed(new V1Job
        {
            Metadata = new V1ObjectMeta { Name = "job", NamespaceProperty = "ns" },
            Spec = new V1JobSpec { TtlSecondsAfterFinished = ttl, Template = new V1PodTemplateSpec() },
            Status = new V1JobStatus
            {
                Conditions = finished is null ? null : [new V1JobCondition { Type = finished, Status = "True", LastTransitionTime = _time.GetUtcNow().UtcDateTime.AddSeconds(-finishedSecondsAgo) }],
            },
        });
        _jobs.Add(job);
        return job;
    }

    public static TheoryData<int?, string?, int, bool> Cases => new()
    {
        // ttl, finished condition, seconds since it finished => enqueued
        { 60, "Complete", 0, true },
        { 60, "Failed", 0, true },
        { 60, null, 0, false },
        { null, "Complete", 100, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Handler_EnqueuesOnlyFinishedJobsWithTtl(int? ttl, string? finished, int ago, bool enqueued)
    {
        Job(ttl, finished, ago);
        Assert.Equal(enqueued ? 1 : 0, _controller.Queue.Length);
    }

    [Fact]
    public async Task Sync_BeforeExpiry_RequeuesForTheRemainingTime()
    {
        Job(60, "Complete", finishedSecondsAgo: 15);
        var requeue = await Assert.ThrowsAsync<RequeueAfterException>(() => _controller.SyncAsync("ns/job", CancellationToken.None));
        Assert.Equal(TimeSpan.FromSeconds(45), requeue.Delay);
        Assert.Empty(_client.Calls);
    }

    [Fact]
    public async Task Sync_Expired_DeletesInTheForegroundWithUidPrecondition()
    {
        var job = Job(60, "Complete", finishedSecondsAgo: 15);
        _time.Advance(TimeSpan.FromSeconds(45));
        await _controller.SyncAsync("ns/job", CancellationToken.None);
        Assert.Equal(["delete ns/job"], _client.Calls);
        var options = _client.DeleteOptions.Single()!;
        Assert.Equal("Foreground", options.PropagationPolicy);
        Assert.Equal(job.Metadata.Uid, options.Preconditions.Uid);
    }

    [Fact]
    public async Task Sync_TtlRaisedSinceCached_LiveReadWins()
    {
        Job(10, "Complete", finishedSecondsAgo: 30);
        var live = await _client.GetAsync("ns", "job", CancellationToken.None);
        live.Spec.TtlSecondsAfterFinished = 100;
        await _client.UpdateAsync(live, CancellationToken.None);

        var requeue = await Assert.ThrowsAsync<RequeueAfterException>(() => _controller.SyncAsync("ns/job", CancellationToken.None));
        Assert.Equal(TimeSpan.FromSeconds(70), requeue.Delay);
        Assert.DoesNotContain(_client.Calls, c => c.StartsWith("delete", StringComparison.Ordinal));
    }
}
