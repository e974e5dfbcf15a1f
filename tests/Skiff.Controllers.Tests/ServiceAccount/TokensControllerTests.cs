using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.ServiceAccount;

namespace Skiff.Controllers.Tests.ServiceAccount;

public sealed class TokensControllerTests
{
    private static readonly ApiResource Secrets = new("", "v1", "secrets", "Secret", true);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 5, 0, 0, TimeSpan.Zero));
    private readonly FakeInformer<V1ServiceAccount> _accounts = new();
    private readonly FakeInformer<V1Secret> _secrets = new();
    private readonly FakeResourceClient<V1ServiceAccount> _accountClient = new(ApiResource.ServiceAccounts);
    private readonly FakeResourceClient<V1Secret> _secretClient = new(Secrets);
    private readonly List<string> _signed = [];
    private readonly TokensController _controller;

    public TokensControllerTests()
    {
        _controller = new TokensController(_accounts, _secrets, _accountClient, _secretClient, Sign, "CA PEM\n", _time, NullLogger.Instance);
    }

    private string Sign(string ns, string sa, string uid, string secret)
    {
        var token = $"token({ns},{sa},{uid},{secret})";
        _signed.Add(token);
        return token;
    }

    private V1ServiceAccount Account(string name, string ns = "team")
    {
        var sa = _accountClient.Seed(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns } });
        _accounts.Add(sa);
        return sa;
    }

    private V1Secret TokenSecret(string name, string account, string? uid = null, string ns = "team", string type = TokensController.SecretType, Dictionary<string, byte[]>? data = null)
    {
        var annotations = new Dictionary<string, string> { [TokensController.NameAnnotation] = account };
        if (uid is not null)
        {
            annotations[TokensController.UidAnnotation] = uid;
        }

        var secret = _secretClient.Seed(new V1Secret { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Annotations = annotations }, Type = type, Data = data });
        _secrets.Add(secret);
        return secret;
    }

    [Fact]
    public async Task Sync_NewTokenSecret_GetsTokenCaAndNamespaceAndTheAccountUid()
    {
        var sa = Account("builder");
        TokenSecret("builder-token", "builder");

        await _controller.SyncAsync("team/builder-token", CancellationToken.None);

        var updated = _secretClient.Objects.Single();
        Assert.Equal($"token(team,builder,{sa.Metadata.Uid},builder-token)", Encoding.UTF8.GetString(updated.Data["token"]));
        Assert.Equal("CA PEM\n", Encoding.UTF8.GetString(updated.Data["ca.crt"]));
        Assert.Equal("team", Encoding.UTF8.GetString(updated.Data["namespace"]));
        Assert.Equal(sa.Metadata.Uid, updated.Metadata.Annotations[TokensController.UidAnnotation]);
        // The informer's copy is not touched.
        Assert.Null(_secrets.Indexer.Get("team", "builder-token")!.Data);
    }

    [Fact]
    public async Task Sync_CompleteTokenSecret_IsLeftAlone()
    {
        var sa = Account("builder");
        TokenSecret("builder-token", "builder", sa.Metadata.Uid, data: new()
        {
            ["token"] = "t"u8.ToArray(), ["ca.crt"] = "c"u8.ToArray(), ["namespace"] = "team"u8.ToArray(),
        });

        await _controller.SyncAsync("team/builder-token", CancellationToken.None);

        Assert.Empty(_secretClient.Calls);
        Assert.Empty(_signed);
    }

    [Fact]
    public async Task Sync_AccountMissing_DeletesTheSecretWithItsUid()
    {
        var secret = TokenSecret("ghost-token", "ghost");

        await _controller.SyncAsync("team/ghost-token", CancellationToken.None);

        Assert.Equal(["delete team/ghost-token"], _secretClient.Calls.Where(c => c.StartsWith("delete", StringComparison.Ordinal)));
        Assert.Equal(secret.Metadata.Uid, _secretClient.DeleteOptions.Single()!.Preconditions.Uid);
        Assert.Empty(_signed);
    }

    [Fact]
    public async Task Sync_AccountRecreatedWithAnotherUid_DeletesTheSecret()
    {
        Account("builder");
        TokenSecret("builder-token", "builder", uid: "old-uid", data: new() { ["token"] = "t"u8.ToArray() });

        await _controller.SyncAsync("team/builder-token", CancellationToken.None);

        Assert.Contains("delete team/builder-token", _secretClient.Calls);
    }

    [Fact]
    public async Task Sync_AccountNotYetInTheCache_IsReadLiveAndTheTokenFilled()
    {
        var sa = _accountClient.Seed(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "fresh", NamespaceProperty = "team" } });
        TokenSecret("fresh-token", "fresh");

        await _controller.SyncAsync("team/fresh-token", CancellationToken.None);

        Assert.DoesNotContain(_secretClient.Calls, c => c.StartsWith("delete", StringComparison.Ordinal));
        Assert.Equal($"token(team,fresh,{sa.Metadata.Uid},fresh-token)", Encoding.UTF8.GetString(_secretClient.Objects.Single().Data["token"]));
    }

    [Fact]
    public void Handlers_EnqueueTokenSecrets_AndTheSecretsOfAChangedAccount()
    {
        TokenSecret("other", "builder", type: "Opaque");
        Assert.Equal(0, _controller.Queue.Length);
        TokenSecret("builder-token", "builder");
        Assert.Equal(1, _controller.Queue.Length);

        _accounts.Delete(Account("builder"));
        Assert.Equal(1, _controller.Queue.Length); // the same key, queued once
    }
}
