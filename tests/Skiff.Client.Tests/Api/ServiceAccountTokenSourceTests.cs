using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;

namespace Skiff.Client.Tests.Api;

public sealed class ServiceAccountTokenSourceTests
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly List<DateTimeOffset> _issued = [];
    private Exception? _failure;

    private ServiceAccountTokenSource Source() => new("kube-system/replicaset-controller", _ =>
    {
        if (_failure is { } failure)
        {
            return Task.FromException<IssuedToken>(failure);
        }

        _issued.Add(_time.GetUtcNow());
        return Task.FromResult(new IssuedToken("token-" + _issued.Count, _time.GetUtcNow() + Lifetime));
    }, _time, NullLogger.Instance);

    [Fact]
    public async Task GetToken_ReusesTheToken_UntilEightyPercentOfItsLifetime_ThenRequestsANewOne()
    {
        var source = Source();
        Assert.Equal("token-1", await source.GetTokenAsync(CancellationToken.None));
        _time.Advance(TimeSpan.FromMinutes(47));
        Assert.Equal("token-1", await source.GetTokenAsync(CancellationToken.None));
        Assert.Single(_issued);

        _time.Advance(TimeSpan.FromMinutes(1)); // 48 minutes = 80 % of an hour
        Assert.Equal("token-2", await source.GetTokenAsync(CancellationToken.None));
        Assert.Equal(2, _issued.Count);
    }

    [Fact]
    public async Task GetToken_ConcurrentCallers_ShareOneRequest()
    {
        var source = Source();
        var tokens = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => source.GetTokenAsync(CancellationToken.None).AsTask()));
        Assert.All(tokens, t => Assert.Equal("token-1", t));
        Assert.Single(_issued);
    }

    [Fact]
    public async Task GetToken_RefreshFails_KeepsTheValidToken_AndRetriesAfterTheRetryPeriod()
    {
        var source = Source();
        await source.GetTokenAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(50));
        _failure = new HttpRequestException("connection refused");

        Assert.Equal("token-1", await source.GetTokenAsync(CancellationToken.None));
        _failure = null;
        Assert.Equal("token-1", await source.GetTokenAsync(CancellationToken.None));
        Assert.Single(_issued);

        _time.Advance(ServiceAccountTokenSource.RetryPeriod);
        Assert.Equal("token-2", await source.GetTokenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Invalidate_ARefusedToken_IsReplacedAtTheNextRequest_AnOlderOneIsIgnored()
    {
        var source = Source();
        await source.GetTokenAsync(CancellationToken.None);
        source.Invalidate("token-1");
        Assert.Equal("token-2", await source.GetTokenAsync(CancellationToken.None));

        source.Invalidate("token-1");
        Assert.Equal("token-2", await source.GetTokenAsync(CancellationToken.None));
        Assert.Equal(2, _issued.Count);
    }

    [Fact]
    public async Task GetToken_NoValidTokenLeft_TheFailureReachesTheCaller()
    {
        var source = Source();
        _failure = new ApiException(HttpStatusCode.Forbidden, null, "serviceaccounts/token is forbidden");
        await Assert.ThrowsAsync<ApiException>(() => source.GetTokenAsync(CancellationToken.None).AsTask());

        _failure = null;
        await source.GetTokenAsync(CancellationToken.None);
        _time.Advance(Lifetime);
        _failure = new HttpRequestException("connection refused");
        await Assert.ThrowsAsync<HttpRequestException>(() => source.GetTokenAsync(CancellationToken.None).AsTask());
    }
}
