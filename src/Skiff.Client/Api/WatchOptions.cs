namespace Skiff.Client.Api;

/// <summary>The query of a WATCH request.</summary>
public sealed record WatchOptions
{
    public string? ResourceVersion { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Server-side timeout; the watch then ends normally and the caller resumes from the last resourceVersion.</summary>
    public int? TimeoutSeconds { get; init; }

    public bool AllowBookmarks { get; init; } = true;
}
