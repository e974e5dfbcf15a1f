using System.Text;
using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Skiff.ApiServer.Authentication;

namespace Skiff.ApiServer.Tests.Authentication;

public sealed class BootstrapTokenAuthenticatorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 5, 0, 0, TimeSpan.Zero));
    private readonly Secrets _secrets = new();
    private readonly BootstrapTokenAuthenticator _authenticator;

    public BootstrapTokenAuthenticatorTests()
    {
        _authenticator = new BootstrapTokenAuthenticator(_secrets, _time);
    }

    private V1Secret Token(string id = "abcdef", string secret = "0123456789abcdef", string? expiration = "2026-11-26T06:00:00Z", string usage = "true", string groups = "system:bootstrappers:skiff:default-node-token")
    {
        var data = new Dictionary<string, string> { ["token-id"] = id, ["token-secret"] = secret, ["usage-bootstrap-authentication"] = usage, ["auth-extra-groups"] = groups };
        if (expiration is not null)
        {
            data["expiration"] = expiration;
        }

        var s = new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "bootstrap-token-" + id, NamespaceProperty = "kube-system" },
            Type = "bootstrap.kubernetes.io/token",
            Data = data.ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetBytes(kv.Value)),
        };
        _secrets.Items[s.Metadata.Name] = s;
        return s;
    }

    [Fact]
    public void Authenticate_ValidToken_IsBootstrapUserWithExtraGroups()
    {
        Token();
        var user = _authenticator.Authenticate("abcdef.0123456789abcdef");
        Assert.NotNull(user);
        Assert.Equal("system:bootstrap:abcdef", user.Name);
        Assert.Equal(["system:bootstrappers", "system:bootstrappers:skiff:default-node-token", "system:authenticated"], user.Groups);
    }

    [Fact]
    public void Authenticate_Expired_Rejected()
    {
        Token(expiration: "2026-11-26T05:30:00Z");
        Assert.NotNull(_authenticator.Authenticate("abcdef.0123456789abcdef"));
        _time.Advance(TimeSpan.FromMinutes(30));
        Assert.Null(_authenticator.Authenticate("abcdef.0123456789abcdef"));
    }

    [Fact]
    public void Authenticate_WrongSecret_UnknownId_NotForAuthentication_BeingDeleted_Rejected()
    {
        Token();
        Assert.Null(_authenticator.Authenticate("abcdef.fedcba9876543210"));
        Assert.Null(_authenticator.Authenticate("zzzzzz.0123456789abcdef"));

        Token(id: "bbbbbb", usage: "false");
        Assert.Null(_authenticator.Authenticate("bbbbbb.0123456789abcdef"));

        Token(id: "cccccc").Metadata.DeletionTimestamp = DateTime.UtcNow;
        Assert.Null(_authenticator.Authenticate("cccccc.0123456789abcdef"));
    }

    [Fact]
    public void Authenticate_MalformedExtraGroup_RejectsTheWholeToken()
    {
        Token(groups: "system:masters");
        Assert.Null(_authenticator.Authenticate("abcdef.0123456789abcdef"));
    }

    [Theory]
    [InlineData("abcdef.0123456789abcdef", true)]
    [InlineData("ABCDEF.0123456789abcdef", false)]
    [InlineData("abcdef.0123456789abcde", false)]
    [InlineData("eyJhbGciOi.x.y", false)]
    public void LooksLikeBootstrapToken_Shape(string token, bool expected) =>
        Assert.Equal(expected, BootstrapTokenAuthenticator.LooksLikeBootstrapToken(token));

    private sealed class Secrets : IBootstrapTokenSecrets
    {
        public Dictionary<string, V1Secret> Items { get; } = [];

        public V1Secret? Get(string name) => Items.GetValueOrDefault(name);
    }
}
