namespace Skiff.ApiServer.Http;

/// <summary>
/// What a resource request asks for, parsed from its path and method like apiserver's RequestInfoFactory:
/// <c>/api/v1/namespaces/NS/pods/NAME/status</c> → group "", version v1, namespace NS, resource pods, name NAME, subresource status.
/// </summary>
internal sealed record RequestInfo
{
    public required string Verb { get; init; }

    public required string Group { get; init; }

    public required string Version { get; init; }

    public string? Namespace { get; init; }

    public required string Resource { get; init; }

    public string? Name { get; init; }

    public string? Subresource { get; init; }

    /// <summary>Path segments after the subresource (e.g. the path of a proxy request).</summary>
    public string? Rest { get; init; }

    private static readonly HashSet<string> NamespaceSubresources = ["status", "finalize"];

    /// <summary>Parses a resource path; null when the path is not a resource path (discovery, health, ...).</summary>
    public static RequestInfo? Parse(string method, string path, bool watchParam)
    {
        var parts = path.Trim('/').Split('/');
        string group, version;
        int i;
        if (parts.Length >= 3 && parts[0] == "api")
        {
            group = "";
            version = parts[1];
            i = 2;
        }
        else if (parts.Length >= 4 && parts[0] == "apis")
        {
            group = parts[1];
            version = parts[2];
            i = 3;
        }
        else
        {
            return null;
        }

        var rest = parts.AsSpan(i);
        var legacyWatch = false;
        if (rest.Length > 0 && rest[0] == "watch")
        {
            legacyWatch = true;
            rest = rest[1..];
        }

        string? ns = null;
        if (rest.Length > 1 && rest[0] == "namespaces")
        {
            ns = rest[1];
            if (rest.Length > 2 && !NamespaceSubresources.Contains(rest[2]))
            {
                rest = rest[2..];
            }
        }

        if (rest.Length == 0 || rest[0].Length == 0)
        {
            return null;
        }

        var resource = rest[0];
        var name = rest.Length > 1 ? rest[1] : null;
        var sub = rest.Length > 2 ? rest[2] : null;
        var tail = rest.Length > 3 ? string.Join('/', rest[3..].ToArray()) : null;
        if (resource == "namespaces" && ns is not null && name is null)
        {
            name = ns;
        }

        var verb = method switch
        {
            "GET" or "HEAD" => legacyWatch || watchParam ? "watch" : name is null ? "list" : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => name is null ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };

        return new RequestInfo
        {
            Verb = verb,
            Group = group,
            Version = version,
            Namespace = resource == "namespaces" ? null : ns,
            Resource = resource,
            Name = name,
            Subresource = sub,
            Rest = tail,
        };
    }
}
