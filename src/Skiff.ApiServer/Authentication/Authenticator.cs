using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace Skiff.ApiServer.Authentication;

/// <summary>
/// Identifies the caller like kube-apiserver's authenticator chain: a client certificate signed by the cluster CA
/// (CN = user, O = groups), else a bearer token from the static token file, else a bootstrap token, else a service-account JWT. Anonymous requests are not
/// authenticated. Certificate chain checks are cached per certificate, since a client presents the same one on
/// every request.
/// </summary>
internal sealed class Authenticator
{
    private readonly ApiServerOptions _options;
    private readonly ServiceAccounts.ServiceAccountTokenValidator? _serviceAccounts;
    private readonly BootstrapTokenAuthenticator? _bootstrapTokens;
    private readonly ConcurrentDictionary<string, UserInfo?> _certificates = new(StringComparer.Ordinal);

    // Static token users with system:authenticated added once (kube-apiserver's AuthenticatedGroupAdder), not per request.
    private readonly Dictionary<string, UserInfo> _tokens;

    public Authenticator(ApiServerOptions options, ServiceAccounts.ServiceAccountTokenValidator? serviceAccounts = null, BootstrapTokenAuthenticator? bootstrapTokens = null)
    {
        _bootstrapTokens = bootstrapTokens;
        _options = options;
        _tokens = options.Tokens.ToDictionary(t => t.Key, t => t.Value.Groups.Contains("system:authenticated")
            ? t.Value
            : t.Value with { Groups = [.. t.Value.Groups, "system:authenticated"] }, StringComparer.Ordinal);
        _serviceAccounts = serviceAccounts;
    }

    /// <summary>The authenticated user, or null.</summary>
    public UserInfo? Authenticate(HttpContext ctx)
    {
        if (ctx.Connection.ClientCertificate is { } cert && _options.ClientCaCertificate is not null)
        {
            var key = cert.Thumbprint;
            var user = _certificates.GetOrAdd(key, _ => Verify(cert));
            if (_certificates.Count > 10_000)
            {
                _certificates.Clear();
            }

            if (user is not null && cert.NotAfter.ToUniversalTime() > DateTime.UtcNow)
            {
                return user;
            }
        }

        var auth = ctx.Request.Headers.Authorization.ToString();
        if (auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = auth[7..].Trim();
            if (token.Length > 0 && _tokens.TryGetValue(token, out var tokenUser))
            {
                return tokenUser;
            }

            // Bootstrap tokens (<id>.<secret>, checked against their Secret in kube-system); a bad one is a 401.
            if (_bootstrapTokens is not null && BootstrapTokenAuthenticator.LooksLikeBootstrapToken(token))
            {
                return _bootstrapTokens.Authenticate(token);
            }

            // Service-account JWTs; a token that fails any check is a 401, never a fallthrough to anonymous.
            if (token.Length > 0 && _serviceAccounts is not null && ServiceAccounts.ServiceAccountTokenCodec.LooksLikeJwt(token))
            {
                return _serviceAccounts.Validate(token).User;
            }
        }

        return null;
    }

    private UserInfo? Verify(X509Certificate2 cert)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_options.ClientCaCertificate!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        if (!chain.Build(cert))
        {
            return null;
        }

        var name = cert.GetNameInfo(X509NameType.SimpleName, false);
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        var groups = cert.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(r => r.GetSingleElementType().Value == "2.5.4.10")
            .Select(r => r.GetSingleElementValue())
            .Where(v => !string.IsNullOrEmpty(v))
            .Select(v => v!)
            .Append("system:authenticated")
            .ToList();
        return new UserInfo(name, string.Empty, groups);
    }
}
