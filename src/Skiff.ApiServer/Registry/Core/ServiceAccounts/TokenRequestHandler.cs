using System.Text.Json;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Api.Resources;
using Skiff.Api.Validation;
using Skiff.ApiServer.Authentication.ServiceAccounts;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Registry.Core.ServiceAccounts;

/// <summary>
/// The serviceaccounts endpoint with its <c>token</c> subresource (kube-apiserver's TokenREST): POST an
/// authentication.k8s.io/v1 TokenRequest to <c>serviceaccounts/NAME/token</c> and get a signed JWT for that service
/// account, optionally bound to a pod, secret or node so that deleting the object revokes the token. Every other
/// request goes to the serviceaccounts handler it wraps. Nothing is stored.
/// </summary>
internal sealed class TokenRequestHandler(IResourceHandler inner, ServiceAccountTokenCodec codec, ApiServerOptions options,
    Admission.RegistryAccess access, TimeProvider time) : IResourceHandler
{
    /// <summary>kube-apiserver's default token lifetime when the request names none.</summary>
    public const long DefaultExpirationSeconds = 3600;

    /// <summary>The shortest lifetime a TokenRequest may ask for (10 minutes).</summary>
    public const long MinExpirationSeconds = 600;

    public ResourceInfo Info => inner.Info;

    public WatchCache? Cache => inner.Cache;

    public IReadOnlyList<string> ServedSubresources { get; } = [.. inner.ServedSubresources.Append("token").Distinct()];

    public async Task HandleAsync(HttpContext ctx, RequestInfo request, CancellationToken ct)
    {
        if (request.Subresource != "token")
        {
            await inner.HandleAsync(ctx, request, ct).ConfigureAwait(false);
            return;
        }

        if (request.Verb != "create" || request.Rest is not null || request.Namespace is null || request.Name is null)
        {
            throw ApiException.MethodNotSupported(request.Verb, "serviceaccounts/token");
        }

        var body = ResourceHandler<V1ConfigMap>.TranscodeProtobuf(ctx, await HttpIo.ReadBodyAsync(ctx, options.MaxRequestBodyBytes, ct).ConfigureAwait(false));
        if (body.Length == 0)
        {
            throw ApiException.BadRequest("the body of the request was empty");
        }

        Authenticationv1TokenRequest tokenRequest;
        try
        {
            tokenRequest = ApiJson.Deserialize<Authenticationv1TokenRequest>(body);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"TokenRequest in version \"v1\" cannot be handled as a TokenRequest: {e.Message}");
        }

        var result = await IssueAsync(request.Namespace, request.Name, tokenRequest, ct).ConfigureAwait(false);
        await HttpIo.WriteJsonAsync(ctx, 201, ApiJson.Serialize(result, typeof(Authenticationv1TokenRequest))).ConfigureAwait(false);
    }

    /// <summary>Validates the request, resolves the service account and bound object, and returns the request with its status filled in.</summary>
    internal async Task<Authenticationv1TokenRequest> IssueAsync(string ns, string name, Authenticationv1TokenRequest request, CancellationToken ct)
    {
        var spec = request.Spec ??= new V1TokenRequestSpec();
        spec.ExpirationSeconds ??= DefaultExpirationSeconds;
        if (spec.Audiences is null || spec.Audiences.Count == 0)
        {
            spec.Audiences = options.ApiAudiences.Count > 0 ? [.. options.ApiAudiences] : [options.ServiceAccountIssuer];
        }

        var errors = new FieldErrors();
        if (request.Metadata?.Name is { Length: > 0 } given && given != name)
        {
            errors.Invalid("metadata.name", given, "must match the service account name if specified");
        }

        if (spec.ExpirationSeconds < MinExpirationSeconds)
        {
            errors.Invalid("spec.expirationSeconds", spec.ExpirationSeconds, "may not specify a duration less than 10 minutes");
        }
        else if (spec.ExpirationSeconds > 1L << 32)
        {
            errors.Invalid("spec.expirationSeconds", spec.ExpirationSeconds, "may not specify a duration larger than 2^32 seconds");
        }

        if (spec.BoundObjectRef is { } boundRef)
        {
            if (string.IsNullOrEmpty(boundRef.Name))
            {
                errors.Required("spec.boundObjectRef.name", "");
            }

            if (boundRef.Kind is not ("Pod" or "Secret" or "Node"))
            {
                errors.NotSupported("spec.boundObjectRef.kind", boundRef.Kind ?? "", ["Pod", "Secret", "Node"]);
            }
            else if (!string.IsNullOrEmpty(boundRef.ApiVersion) && boundRef.ApiVersion != "v1")
            {
                errors.NotSupported("spec.boundObjectRef.apiVersion", boundRef.ApiVersion, ["v1"]);
            }
        }

        if (errors.Count > 0)
        {
            throw new ApiException(422, "Invalid", $"TokenRequest.authentication.k8s.io \"{name}\" is invalid: {errors.Aggregate()}",
                new V1StatusDetails
                {
                    Name = name, Group = "authentication.k8s.io", Kind = "TokenRequest",
                    Causes = errors.Select(e => new V1StatusCause { Reason = e.Reason, Message = e.Body, Field = e.Field }).ToList(),
                });
        }

        var sa = await GetAsync<V1ServiceAccount>(ns, name, ct).ConfigureAwait(false);
        var node = NodeOf(Admission.RequestUser.Current);
        if (node is not null && spec.BoundObjectRef?.Kind != "Pod")
        {
            throw ApiException.Forbidden($"serviceaccounts \"{name}\" is forbidden: node requested token not bound to a pod");
        }

        BoundRef? pod = null, secret = null, boundNode = null;
        if (spec.BoundObjectRef is { } b)
        {
            switch (b.Kind)
            {
                case "Pod":
                {
                    var p = await GetAsync<V1Pod>(ns, b.Name, ct).ConfigureAwait(false);
                    if ((p.Spec?.ServiceAccountName ?? "default") != name)
                    {
                        throw ApiException.BadRequest($"cannot bind token for serviceaccount \"{name}\" to pod running with different serviceaccount name.");
                    }

                    CheckUid(b, p.Metadata.Uid, "pods");
                    if (node is not null && p.Spec?.NodeName != node)
                    {
                        throw ApiException.Forbidden($"serviceaccounts \"{name}\" is forbidden: node requested token bound to a pod scheduled on a different node");
                    }

                    pod = new BoundRef(p.Metadata.Name, p.Metadata.Uid);
                    if (!string.IsNullOrEmpty(p.Spec?.NodeName))
                    {
                        boundNode = new BoundRef(p.Spec.NodeName, TryGet<V1Node>(null, p.Spec.NodeName)?.Metadata.Uid ?? "");
                    }

                    break;
                }

                case "Secret":
                {
                    var s = await GetAsync<V1Secret>(ns, b.Name, ct).ConfigureAwait(false);
                    CheckUid(b, s.Metadata.Uid, "secrets");
                    secret = new BoundRef(s.Metadata.Name, s.Metadata.Uid);
                    break;
                }

                default:
                {
                    var n = await GetAsync<V1Node>(null, b.Name, ct).ConfigureAwait(false);
                    CheckUid(b, n.Metadata.Uid, "nodes");
                    boundNode = new BoundRef(n.Metadata.Name, n.Metadata.Uid);
                    break;
                }
            }
        }

        var now = time.GetUtcNow();
        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var expires = issuedAt.AddSeconds(spec.ExpirationSeconds.Value);
        var token = codec.Sign(new ServiceAccountClaims
        {
            Issuer = options.ServiceAccountIssuer,
            Namespace = ns,
            ServiceAccount = new BoundRef(sa.Metadata.Name, sa.Metadata.Uid),
            Audiences = [.. spec.Audiences],
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = expires,
            Id = Guid.NewGuid().ToString(),
            Pod = pod,
            Secret = secret,
            Node = boundNode,
        });

        request.ApiVersion = "authentication.k8s.io/v1";
        request.Kind = "TokenRequest";
        request.Metadata ??= new V1ObjectMeta();
        request.Metadata.Name = name;
        request.Metadata.NamespaceProperty = ns;
        request.Status = new V1TokenRequestStatus { Token = token, ExpirationTimestamp = expires.UtcDateTime };
        return request;
    }

    /// <summary>The node name when the caller is a node agent; NodeRestriction limits nodes to tokens for pods bound to them.</summary>
    private static string? NodeOf(UserInfo? user) =>
        user is not null && user.Groups.Contains(Authorization.NodeAuthorizer.NodesGroup) && user.Name.StartsWith(Authorization.NodeAuthorizer.NodeUserPrefix, StringComparison.Ordinal)
            ? user.Name[Authorization.NodeAuthorizer.NodeUserPrefix.Length..]
            : null;

    /// <summary>A consistent read (a service account or pod created just before the request is found).</summary>
    private async Task<T> GetAsync<T>(string? ns, string name, CancellationToken ct)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var store = access.Store<T>();
        return store.Decode(await store.GetAsync(ns, name, "", ct).ConfigureAwait(false));
    }

    private T? TryGet<T>(string? ns, string name)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var store = access.Store<T>();
        return store.Cache.Get(store.Key(ns, name)) is { } o ? store.Decode(o) : null;
    }

    private static void CheckUid(V1BoundObjectReference bound, string uid, string resource)
    {
        if (!string.IsNullOrEmpty(bound.Uid) && bound.Uid != uid)
        {
            throw new ApiException(409, "Conflict",
                $"Operation cannot be fulfilled on {resource} \"{bound.Name}\": the UID in the bound object reference ({bound.Uid}) does not match the UID in record. The object might have been deleted and then recreated",
                new V1StatusDetails { Name = bound.Name, Kind = resource });
        }
    }
}
