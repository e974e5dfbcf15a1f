using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.Bootstrap;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Tests.Bootstrap;

public sealed class TokenCleanerTests
{
    private static readonly ApiResource Secrets = new("", "v1", "secrets", "Secret", true);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 5, 0, 0, TimeSpan.Zero));
    private readonly FakeInformer<V1Secret> _informer = new();
    private readonly FakeResourceClient<V1Secret> _client = new(Secrets);
    private readonly TokenCleaner _cleaner;

    public TokenCleanerTests()
    {
        _cleaner = new TokenCleaner(_informer, _client, _time, NullLogger.Instance);
    }

    private V1Secret Token(string id, string? expiration, string ns = "kube-system", string type = "bootstrap.kubernetes.io/token")
    {
        var data = new Dictionary<string, byte[]> { ["token-id"] = Encoding.UTF8.GetBytes(id), ["token-secret"] = Encoding.UTF8.GetBytes("0123456789abcdef") };
        if (expiration is not null)
        {
            data["expiration"] = Encoding.UTF8.GetBytes(expiration);
        }

        var secret = _client.Seed(new V1Secret { Metadata = new V1ObjectMeta { Name = "bootstrap-token-" + id, NamespaceProperty = ns }, Type = type, Data = data });
        _informer.Add(secret);
        return secret;
    }

    [Fact]
    public async Task Sync_ExpiredToken_IsDeletedWithUidAndVersionPreconditions()
    {
        var secret = Token("abcdef", "2026-11-26T04:59:00Z");

        await _cleaner.SyncAsync("kube-system/bootstrap-token-abcdef", CancellationToken.None);

        Assert.Equal(["delete kube-system/bootstrap-token-abcdef"], _client.Calls);
        var preconditions = _client.DeleteOptions.Single()!.Preconditions;
        Assert.Equal((secret.Metadata.Uid, secret.Metadata.ResourceVersion), (preconditions.Uid, preconditions.ResourceVersion));
    }

    [Fact]
    public async Task Sync_TokenNotYetExpired_RequeuesForItsExpiry()
    {
        Token("abcdef", "2026-11-26T06:00:00Z");

        var requeue = await Assert.ThrowsAsync<RequeueAfterException>(() => _cleaner.SyncAsync("kube-system/bootstrap-token-abcdef", CancellationToken.None));

        Assert.Equal(TimeSpan.FromHours(1), requeue.Delay);
        Assert.Empty(_client.Calls);
    }

    [Fact]
    public async Task Sync_TokenWithoutExpiration_IsKept()
    {
        Token("abcdef", null);

        await _cleaner.SyncAsync("kube-system/bootstrap-token-abcdef", CancellationToken.None);

        Assert.Empty(_client.Calls);
    }

    [Fact]
    public void Handler_IgnoresOtherSecrets()
    {
        Token("aaaaaa", "2026-11-26T04:00:00Z", ns: "default");
        Token("bbbbbb", "2026-11-26T04:00:00Z", type: "Opaque");
        Assert.Equal(0, _cleaner.Queue.Length);

        Token("cccccc", "2026-11-26T04:00:00Z");
        Assert.Equal(1, _cleaner.Queue.Length);
    }
}
