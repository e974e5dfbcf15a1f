using Microsoft.AspNetCore.Http;

namespace Skiff.ApiServer.Authorization;

/// <summary>
/// User impersonation (<c>kubectl --as</c>, <c>--as-group</c>, <c>--as-uid</c>), as kube-apiserver's impersonation filter:
/// the requester needs the <c>impersonate</c> verb on each <c>users</c>, <c>groups</c>, <c>serviceaccounts</c> or
/// <c>uids</c> it asks for, and the request then runs as that user (plus <c>system:authenticated</c>, and the service
/// account groups for a service account).
/// </summary>
internal static class Impersonation
{
    public const string UserHeader = "Impersonate-User";
    public const string GroupHeader = "Impersonate-Group";
    public const string UidHeader = "Impersonate-Uid";

    /// <summary>Returns the user the request runs as; throws 403 when the requester may not impersonate, 400 for bad headers.</summary>
    public static UserInfo Apply(HttpContext ctx, UserInfo requester, AuthorizerChain authorizer)
    {
        var headers = ctx.Request.Headers;
        var name = headers[UserHeader].ToString();
        var groups = headers[GroupHeader].Where(g => !string.IsNullOrEmpty(g)).Select(g => g!).ToList();
        var uid = headers[UidHeader].ToString();
        var hasExtra = headers.Keys.Any(k => k.StartsWith("Impersonate-Extra-", StringComparison.OrdinalIgnoreCase));
        if (name.Length == 0)
        {
            if (groups.Count > 0 || uid.Length > 0 || hasExtra)
            {
                throw Http.ApiException.BadRequest("requested impersonation for groups, uid or extra without impersonating a user");
            }

            return requester;
        }

        AuthorizationAttributes Check(string resource, string group, string ns, string objectName) => new()
        {
            User = requester, Verb = "impersonate", IsResourceRequest = true, ApiGroup = group, Resource = resource, Namespace = ns, Name = objectName,
        };

        var resultGroups = new List<string>(groups);
        const string saPrefix = "system:serviceaccount:";
        if (name.StartsWith(saPrefix, StringComparison.Ordinal) && name[saPrefix.Length..].Split(':') is [var saNs, var saName] && saNs.Length > 0 && saName.Length > 0)
        {
            authorizer.Check(Check("serviceaccounts", "", saNs, saName));
            if (groups.Count == 0)
            {
                resultGroups.Add("system:serviceaccounts");
                resultGroups.Add("system:serviceaccounts:" + saNs);
            }
        }
        else
        {
            authorizer.Check(Check("users", "", "", name));
        }

        foreach (var g in groups)
        {
            authorizer.Check(Check("groups", "", "", g));
        }

        if (uid.Length > 0)
        {
            authorizer.Check(Check("uids", "authentication.k8s.io", "", uid));
        }

        if (name != "system:anonymous" && !resultGroups.Contains("system:authenticated"))
        {
            resultGroups.Add("system:authenticated");
        }

        return new UserInfo(name, uid, resultGroups);
    }
}
