namespace Skiff.Client.Api;

/// <summary>A resource found by discovery, with the verbs it supports.</summary>
public sealed record DiscoveredResource(ApiResource Resource, IReadOnlyList<string> Verbs)
{
    public bool Supports(params string[] verbs) => verbs.All(v => Verbs.Contains(v));
}
