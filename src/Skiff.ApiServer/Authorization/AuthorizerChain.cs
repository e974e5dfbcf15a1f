using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Authorization;

/// <summary>
/// kube-apiserver's union authorizer as Skiff runs it (k3s's <c>--authorization-mode=Node,RBAC</c>): members of
/// <c>system:masters</c> are allowed everything, then each authorizer in turn; the first Allow or Deny decides, and a
/// request nobody allows is forbidden.
/// </summary>
internal sealed class AuthorizerChain(IEnumerable<IAuthorizer> authorizers)
{
    public const string SystemMasters = "system:masters";

    private readonly IAuthorizer[] _authorizers = authorizers.ToArray();

    public AuthorizationDecision Authorize(AuthorizationAttributes a, out string reason)
    {
        if (a.User.Groups.Contains(SystemMasters))
        {
            reason = "";
            return AuthorizationDecision.Allow;
        }

        // As kube-apiserver's union authorizer, the reasons of the authorizers without an opinion are kept, so a 403
        // says why (e.g. the Node authorizer's "no relationship found").
        List<string>? reasons = null;
        foreach (var authorizer in _authorizers)
        {
            var decision = authorizer.Authorize(a, out reason);
            if (decision != AuthorizationDecision.NoOpinion)
            {
                return decision;
            }

            if (reason.Length > 0)
            {
                (reasons ??= []).Add(reason);
            }
        }

        reason = reasons is null ? "" : string.Join(", ", reasons);
        return AuthorizationDecision.NoOpinion;
    }

    /// <summary>Throws Kubernetes' 403 unless the request is allowed.</summary>
    public void Check(AuthorizationAttributes a)
    {
        if (Authorize(a, out var reason) != AuthorizationDecision.Allow)
        {
            throw Forbidden(a, reason);
        }
    }

    /// <summary>The 403 body kube-apiserver writes for a denied request (responsewriters.Forbidden).</summary>
    public static ApiException Forbidden(AuthorizationAttributes a, string reason)
    {
        var why = Message(a) + (reason.Length > 0 ? ": " + reason : "");
        if (!a.IsResourceRequest)
        {
            return new ApiException(403, "Forbidden", "forbidden: " + why);
        }

        var qualified = a.ApiGroup.Length == 0 ? a.Resource : $"{a.Resource}.{a.ApiGroup}";
        var message = a.Name.Length > 0 ? $"{qualified} \"{a.Name}\" is forbidden: {why}" : $"{qualified} is forbidden: {why}";
        return new ApiException(403, "Forbidden", message, new k8s.Models.V1StatusDetails
        {
            Name = a.Name.Length > 0 ? a.Name : null,
            Group = a.ApiGroup.Length > 0 ? a.ApiGroup : null,
            Kind = a.Resource,
        });
    }

    private static string Message(AuthorizationAttributes a)
    {
        if (!a.IsResourceRequest)
        {
            return $"User \"{a.User.Name}\" cannot {a.Verb} path \"{a.Path}\"";
        }

        var resource = a.Subresource.Length > 0 ? $"{a.Resource}/{a.Subresource}" : a.Resource;
        return a.Namespace.Length > 0
            ? $"User \"{a.User.Name}\" cannot {a.Verb} resource \"{resource}\" in API group \"{a.ApiGroup}\" in the namespace \"{a.Namespace}\""
            : $"User \"{a.User.Name}\" cannot {a.Verb} resource \"{resource}\" in API group \"{a.ApiGroup}\" at the cluster scope";
    }

    /// <summary>The attributes of an HTTP request (kube-apiserver's GetAuthorizerAttributes).</summary>
    internal static AuthorizationAttributes For(UserInfo user, string method, string path, RequestInfo? info)
    {
        if (info is null)
        {
            return new AuthorizationAttributes
            {
                User = user,
                Verb = method switch { "GET" or "HEAD" => "get", _ => method.ToLowerInvariant() },
                Path = path,
            };
        }

        return new AuthorizationAttributes
        {
            User = user,
            Verb = info.Verb,
            IsResourceRequest = true,
            ApiGroup = info.Group,
            Resource = info.Resource,
            Subresource = info.Subresource ?? "",
            // A namespace is its own namespace for authorization (a RoleBinding in ns may grant "get namespaces").
            Namespace = info.Resource == "namespaces" && info.Name is not null ? info.Name : info.Namespace ?? "",
            Name = info.Name ?? "",
            Path = path,
        };
    }
}
