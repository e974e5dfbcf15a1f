using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Skiff.ApiServer.Authentication.ServiceAccounts;

namespace Skiff.ApiServer.Tests.Authentication;

/// <summary>Signing and checking service-account JWTs without a server: signature, issuer, audience, time and bindings.</summary>
public sealed class ServiceAccountTokenTests
{
    private const string Issuer = "https://kubernetes.default.svc.cluster.local";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ServiceAccountTokenCodec _codec = new(ECDsa.Create(ECCurve.NamedCurves.nistP256));
    private readonly FakeObjects _objects = new();

    private ServiceAccountTokenValidator Validator(ServiceAccountTokenCodec? codec = null) =>
        new(codec ?? _codec, Issuer, [Issuer], _objects, _time);

    private ServiceAccountClaims Claims(TimeSpan lifetime, string[]? audiences = null, BoundRef? pod = null) => new()
    {
        Issuer = Issuer,
        Namespace = "team",
        ServiceAccount = new BoundRef("builder", "sa-uid"),
        Audiences = audiences ?? [Issuer],
        IssuedAt = _time.GetUtcNow(),
        NotBefore = _time.GetUtcNow(),
        Expires = _time.GetUtcNow() + lifetime,
        Id = "jti-1",
        Pod = pod,
    };

    public ServiceAccountTokenTests() => _objects.Set("ServiceAccount", "team", "builder", "sa-uid");

    [Fact]
    public void Validate_FreshToken_IsTheServiceAccountUser()
    {
        var result = Validator().Validate(_codec.Sign(Claims(TimeSpan.FromHours(1))));
        Assert.Null(result.Error);
        Assert.Equal("system:serviceaccount:team:builder", result.User!.Name);
        Assert.Equal("sa-uid", result.User.Uid);
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:team", "system:authenticated"], result.User.Groups);
        Assert.Equal([Issuer], result.Audiences);
    }

    [Fact]
    public void Validate_PodBoundToken_UserExtraNamesThePodTheNodeAndTheCredential()
    {
        _objects.Set("Pod", "team", "web-0", "pod-uid");
        var claims = Claims(TimeSpan.FromHours(1), pod: new BoundRef("web-0", "pod-uid")) with { Node = new BoundRef("node-a", "node-uid") };
        var user = Validator().Validate(_codec.Sign(claims)).User!;
        Assert.Equal(
            new Dictionary<string, string[]>
            {
                ["authentication.kubernetes.io/credential-id"] = ["JTI=jti-1"],
                ["authentication.kubernetes.io/pod-name"] = ["web-0"],
                ["authentication.kubernetes.io/pod-uid"] = ["pod-uid"],
                ["authentication.kubernetes.io/node-name"] = ["node-a"],
                ["authentication.kubernetes.io/node-uid"] = ["node-uid"],
            },
            user.Extra.ToDictionary(e => e.Key, e => e.Value.ToArray()));

        // Unbound: only the credential id.
        var plain = Validator().Validate(_codec.Sign(Claims(TimeSpan.FromHours(1)))).User!;
        Assert.Equal(["authentication.kubernetes.io/credential-id"], plain.Extra.Keys);
    }

    [Fact]
    public void Sign_WritesKubernetesClaims()
    {
        var token = _codec.Sign(Claims(TimeSpan.FromHours(1), pod: new BoundRef("web-0", "pod-uid")));
        var parts = token.Split('.');
        var header = JsonNode.Parse(Base64Url.DecodeFromChars(parts[0]))!;
        Assert.Equal("ES256", (string?)header["alg"]);
        Assert.Equal(_codec.KeyId, (string?)header["kid"]);
        var payload = JsonNode.Parse(Base64Url.DecodeFromChars(parts[1]))!;
        Assert.Equal(Issuer, (string?)payload["iss"]);
        Assert.Equal("system:serviceaccount:team:builder", (string?)payload["sub"]);
        Assert.Equal(Issuer, (string?)payload["aud"]![0]);
        Assert.Equal(_time.GetUtcNow().ToUnixTimeSeconds() + 3600, (long)payload["exp"]!);
        Assert.Equal("team", (string?)payload["kubernetes.io"]!["namespace"]);
        Assert.Equal("builder", (string?)payload["kubernetes.io"]!["serviceaccount"]!["name"]);
        Assert.Equal("pod-uid", (string?)payload["kubernetes.io"]!["pod"]!["uid"]);
    }

    [Fact]
    public void Validate_Expired_Fails()
    {
        var token = _codec.Sign(Claims(TimeSpan.FromMinutes(10)));
        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.NotNull(Validator().Validate(token).User);
        _time.Advance(TimeSpan.FromMinutes(1));
        var result = Validator().Validate(token);
        Assert.Null(result.User);
        Assert.Contains("expired", result.Error);
    }

    [Fact]
    public void Validate_NotYetValid_Fails()
    {
        var claims = Claims(TimeSpan.FromHours(1)) with { NotBefore = _time.GetUtcNow().AddMinutes(5) };
        Assert.Null(Validator().Validate(_codec.Sign(claims)).User);
    }

    [Fact]
    public void Validate_WrongAudience_Fails_ButTheNamedAudienceIsAccepted()
    {
        var token = _codec.Sign(Claims(TimeSpan.FromHours(1), ["vault"]));
        var result = Validator().Validate(token);
        Assert.Null(result.User);
        Assert.Contains("token audiences [vault] is invalid for the target audiences", result.Error);
        Assert.Equal(["vault"], Validator().Validate(token, ["vault", "other"]).Audiences);
    }

    [Fact]
    public void Validate_WrongIssuer_Fails()
    {
        var token = _codec.Sign(Claims(TimeSpan.FromHours(1)) with { Issuer = "https://evil.example" });
        Assert.Contains("issuer", Validator().Validate(token).Error);
    }

    [Fact]
    public void Validate_TamperedPayload_Fails()
    {
        var parts = _codec.Sign(Claims(TimeSpan.FromHours(1))).Split('.');
        var payload = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(parts[1])).Replace("builder", "admin0", StringComparison.Ordinal);
        _objects.Set("ServiceAccount", "team", "admin0", "sa-uid");
        var forged = parts[0] + "." + Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload)) + "." + parts[2];
        Assert.Null(Validator().Validate(forged).User);
    }

    [Fact]
    public void Validate_AlgNone_Fails()
    {
        var parts = _codec.Sign(Claims(TimeSpan.FromHours(1))).Split('.');
        var none = Base64Url.EncodeToString("{\"alg\":\"none\"}"u8) + "." + parts[1] + ".";
        Assert.Null(Validator().Validate(none).User);
    }

    [Fact]
    public void Validate_SignedByAnotherKey_Fails()
    {
        var other = new ServiceAccountTokenCodec(ECDsa.Create(ECCurve.NamedCurves.nistP256));
        Assert.Null(Validator().Validate(other.Sign(Claims(TimeSpan.FromHours(1)))).User);
    }

    [Fact]
    public void Validate_BoundPodDeletedOrRecreated_Fails()
    {
        _objects.Set("Pod", "team", "web-0", "pod-uid");
        var token = _codec.Sign(Claims(TimeSpan.FromHours(1), pod: new BoundRef("web-0", "pod-uid")));
        Assert.NotNull(Validator().Validate(token).User);

        _objects.Set("Pod", "team", "web-0", "other-uid");
        Assert.Contains("does not match", Validator().Validate(token).Error);

        _objects.Remove("Pod", "team", "web-0");
        Assert.Contains("Pod team/web-0 has been deleted", Validator().Validate(token).Error);
    }

    [Fact]
    public void Validate_ServiceAccountRecreated_Fails()
    {
        var token = _codec.Sign(Claims(TimeSpan.FromHours(1)));
        _objects.Set("ServiceAccount", "team", "builder", "new-uid");
        Assert.Null(Validator().Validate(token).User);
    }

    [Theory]
    [InlineData("static-token")]
    [InlineData("a.b.c")]
    [InlineData("")]
    public void LooksLikeJwt_OtherTokens_No(string token) => Assert.False(ServiceAccountTokenCodec.LooksLikeJwt(token));

    [Fact]
    public void Legacy_TokenHeldByItsSecret_IsTheServiceAccountUser_ForTheApiAudiences()
    {
        var token = _codec.SignLegacy("team", "builder", "sa-uid", "builder-token");
        var payload = JsonNode.Parse(Base64Url.DecodeFromChars(token.Split('.')[1]))!;
        Assert.Equal("kubernetes/serviceaccount", (string?)payload["iss"]);
        Assert.Equal("builder-token", (string?)payload["kubernetes.io/serviceaccount/secret.name"]);
        Assert.Equal("sa-uid", (string?)payload["kubernetes.io/serviceaccount/service-account.uid"]);
        Assert.Null(payload["exp"]);
        _objects.SetSecret("team", "builder-token", token);

        var result = Validator().Validate(token);
        Assert.Null(result.Error);
        Assert.Equal("system:serviceaccount:team:builder", result.User!.Name);
        Assert.Equal([Issuer], result.Audiences);
        Assert.True(result.Claims!.Legacy);

        // A legacy token has no audience of its own, so it is good for the API server only.
        Assert.Contains("invalid for the target audiences", Validator().Validate(token, ["vault"]).Error);
    }

    [Fact]
    public void Legacy_SecretDeletedOrHoldingAnotherToken_Fails()
    {
        var token = _codec.SignLegacy("team", "builder", "sa-uid", "builder-token");
        Assert.Equal("invalid bearer token, Token has been invalidated", Validator().Validate(token).Error);

        _objects.SetSecret("team", "builder-token", _codec.SignLegacy("team", "builder", "sa-uid", "builder-token") + "x");
        Assert.Equal("invalid bearer token, Token does not match server's copy", Validator().Validate(token).Error);
    }

    [Fact]
    public void Legacy_ServiceAccountGoneOrRecreated_Fails()
    {
        var token = _codec.SignLegacy("team", "builder", "sa-uid", "builder-token");
        _objects.SetSecret("team", "builder-token", token);
        _objects.Set("ServiceAccount", "team", "builder", "new-uid");
        Assert.Equal("invalid bearer token, ServiceAccount UID (new-uid) does not match claim (sa-uid)", Validator().Validate(token).Error);
        _objects.Remove("ServiceAccount", "team", "builder");
        Assert.Equal("invalid bearer token, ServiceAccount team/builder has been deleted", Validator().Validate(token).Error);
    }

    [Fact]
    public void Legacy_SignedWithAnotherKey_Fails()
    {
        var other = new ServiceAccountTokenCodec(ECDsa.Create(ECCurve.NamedCurves.nistP256));
        var token = other.SignLegacy("team", "builder", "sa-uid", "builder-token");
        _objects.SetSecret("team", "builder-token", token);
        Assert.Null(Validator().Validate(token).User);
    }

    private sealed class FakeObjects : IBoundObjects
    {
        private readonly Dictionary<string, string> _uids = [];
        private readonly Dictionary<string, k8s.Models.V1Secret> _secrets = [];

        public void SetSecret(string ns, string name, string token) => _secrets[$"{ns}/{name}"] = new k8s.Models.V1Secret
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = name, NamespaceProperty = ns },
            Data = new Dictionary<string, byte[]> { ["token"] = Encoding.UTF8.GetBytes(token) },
        };

        public k8s.Models.V1Secret? Secret(string ns, string name) => _secrets.GetValueOrDefault($"{ns}/{name}");

        public void Set(string kind, string? ns, string name, string uid) => _uids[$"{kind}/{ns}/{name}"] = uid;

        public void Remove(string kind, string? ns, string name) => _uids.Remove($"{kind}/{ns}/{name}");

        public string? Uid(string kind, string? ns, string name) => _uids.GetValueOrDefault($"{kind}/{ns}/{name}");
    }
}
