using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Expectations;

namespace Skiff.Client.Tests.Expectations;

public sealed class ControllerExpectationsTests
{
    [Fact]
    public void NoRecord_IsSatisfied()
    {
        Assert.True(new ControllerExpectations(new FakeTimeProvider()).Satisfied("ns/rs"));
    }

    [Fact]
    public void Creations_SatisfiedOnlyWhenAllObserved()
    {
        var e = new ControllerExpectations(new FakeTimeProvider());
        e.ExpectCreations("k", 2);
        Assert.False(e.Satisfied("k"));
        e.CreationObserved("k");
        Assert.False(e.Satisfied("k"));
        e.CreationObserved("k");
        Assert.True(e.Satisfied("k"));
    }

    [Fact]
    public void Deletions_CountOnlyTheExpectedPods()
    {
        var e = new ControllerExpectations(new FakeTimeProvider());
        e.ExpectDeletions("k", ["ns/a", "ns/b"]);
        e.DeletionObserved("k", "ns/other");
        e.DeletionObserved("k", "ns/a");
        e.DeletionObserved("k", "ns/a");
        Assert.Equal((0, 1), e.Pending("k"));
        e.DeletionObserved("k", "ns/b");
        Assert.True(e.Satisfied("k"));
    }

    [Fact]
    public void PendingExpectations_ExpireAfterFiveMinutes()
    {
        var time = new FakeTimeProvider();
        var e = new ControllerExpectations(time);
        e.ExpectCreations("k", 3);
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.False(e.Satisfied("k"));
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.True(e.Satisfied("k"));
    }
}
