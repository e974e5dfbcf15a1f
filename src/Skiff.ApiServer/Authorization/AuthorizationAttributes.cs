namespace Skiff.ApiServer.Authorization;

/// <summary>What a request asks to do, as Kubernetes' authorizer.Attributes: who, which verb, on what.</summary>
public sealed record AuthorizationAttributes
{
    public required UserInfo User { get; init; }

    public required string Verb { get; init; }

    /// <summary>True for /api and /apis resource paths; false for everything else (discovery, /version, /metrics ...).</summary>
    public bool IsResourceRequest { get; init; }

    public string ApiGroup { get; init; } = "";

    public string Resource { get; init; } = "";

    public string Subresource { get; init; } = "";

    public string Namespace { get; init; } = "";

    public string Name { get; init; } = "";

    /// <summary>The URL path of a non-resource request.</summary>
    public string Path { get; init; } = "";
}
