using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Queues;

namespace Skiff.Client.Tests.Queues;

public sealed class RateLimiterTests
{
    [Fact]
    public void ItemExponential_DoublesPerFailure_UpToTheCap()
    {
        var l = new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromMilliseconds(5), l.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(10), l.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(20), l.When("a"));
        Assert.Equal(TimeSpan.FromMilliseconds(5), l.When("b"));
        for (var i = 0; i < 100; i++)
        {
            l.When("a");
        }

        Assert.Equal(TimeSpan.FromSeconds(1), l.When("a"));
        l.Forget("a");
        Assert.Equal(TimeSpan.FromMilliseconds(5), l.When("a"));
    }

    [Fact]
    public void Bucket_AllowsBurst_ThenPacesAtQps_AndRefillsOverTime()
    {
        var time = new FakeTimeProvider();
        var l = new BucketRateLimiter<string>(10, 3, time);
        Assert.Equal(TimeSpan.Zero, l.When("x"));
        Assert.Equal(TimeSpan.Zero, l.When("x"));
        Assert.Equal(TimeSpan.Zero, l.When("x"));
        Assert.Equal(TimeSpan.FromMilliseconds(100), l.When("x"));
        Assert.Equal(TimeSpan.FromMilliseconds(200), l.When("x"));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.Zero, l.When("x"));
    }

    [Fact]
    public void MaxOf_TakesTheLongestDelay()
    {
        var time = new FakeTimeProvider();
        var l = new MaxOfRateLimiter<string>(new ItemExponentialFailureRateLimiter<string>(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(100)), new BucketRateLimiter<string>(10, 100, time));
        Assert.Equal(TimeSpan.FromSeconds(2), l.When("a"));
        Assert.Equal(1, l.NumRequeues("a"));
    }
}
