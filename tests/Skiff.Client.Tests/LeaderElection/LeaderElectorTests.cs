using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.LeaderElection;
using Skiff.Client.Tests.Fakes;

namespace Skiff.Client.Tests.LeaderElection;

public sealed class LeaderElectorTests
{
    private static LeaderElector Candidate(FakeResourceClient<V1Lease> leases, string identity, TimeProvider time) =>
        new(leases, new LeaderElectionOptions { Identity = identity }, time, NullLogger.Instance);

    [Fact]
    public async Task FirstCandidate_CreatesTheLease_SecondStaysFollower()
    {
        var time = new FakeTimeProvider();
        var leases = new FakeResourceClient<V1Lease>(ApiResource.Leases);
        var a = Candidate(leases, "a", time);
        var b = Candidate(leases, "b", time);

        Assert.True(await a.TryAcquireOrRenewAsync(CancellationToken.None));
        Assert.False(await b.TryAcquireOrRenewAsync(CancellationToken.None));
        var lease = Assert.Single(leases.Objects);
        Assert.Equal("a", lease.Spec.HolderIdentity);
        Assert.Equal(15, lease.Spec.LeaseDurationSeconds);
        Assert.False(b.IsLeader);
    }

    [Fact]
    public async Task RenewingLeader_KeepsTheLease_AcrossManyLeaseDurations()
    {
        var time = new FakeTimeProvider();
        var leases = new FakeResourceClient<V1Lease>(ApiResource.Leases);
        var a = Candidate(leases, "a", time);
        var b = Candidate(leases, "b", time);
        await a.TryAcquireOrRenewAsync(CancellationToken.None);
        for (var i = 0; i < 20; i++)
        {
            time.Advance(TimeSpan.FromSeconds(2));
            Assert.True(await a.TryAcquireOrRenewAsync(CancellationToken.None));
            Assert.False(await b.TryAcquireOrRenewAsync(CancellationToken.None));
        }
    }

    [Fact]
    public async Task LeaderThatStopsRenewing_IsReplaced_AfterLeaseDuration_ByTheFollowersClock()
    {
        var time = new FakeTimeProvider();
        var leases = new FakeResourceClient<V1Lease>(ApiResource.Leases);
        var a = Candidate(leases, "a", time);
        var b = Candidate(leases, "b", time);
        await a.TryAcquireOrRenewAsync(CancellationToken.None);
        Assert.False(await b.TryAcquireOrRenewAsync(CancellationToken.None));

        time.Advance(TimeSpan.FromSeconds(14));
        Assert.False(await b.TryAcquireOrRenewAsync(CancellationToken.None));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True(await b.TryAcquireOrRenewAsync(CancellationToken.None));

        var lease = Assert.Single(leases.Objects);
        Assert.Equal("b", lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
        Assert.False(await a.TryAcquireOrRenewAsync(CancellationToken.None));
    }

    [Fact]
    public async Task RunAsync_StartsWork_AndReleasesOnCancel()
    {
        var time = new FakeTimeProvider();
        var leases = new FakeResourceClient<V1Lease>(ApiResource.Leases);
        var a = Candidate(leases, "a", time);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var cts = new CancellationTokenSource();
        var run = a.RunAsync(async ct =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
        }, cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(a.IsLeader);

        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(5));
        var lease = Assert.Single(leases.Objects);
        Assert.Null(lease.Spec.HolderIdentity);

        // A released lease is free at once.
        Assert.True(await Candidate(leases, "b", time).TryAcquireOrRenewAsync(CancellationToken.None));
    }
}
