using Skiff.Api.Selectors;

namespace Skiff.ApiServer.Registry;

/// <summary>The query parameters of a LIST or WATCH, parsed.</summary>
internal sealed record ListOptions
{
    public LabelSelector Labels { get; init; } = LabelSelector.Everything;

    public FieldSelector Fields { get; init; } = FieldSelector.Everything;

    public int Limit { get; init; }

    public string? Continue { get; init; }

    /// <summary>The resourceVersion parameter as given ("" when absent).</summary>
    public string ResourceVersion { get; init; } = string.Empty;

    /// <summary>resourceVersionMatch: "", NotOlderThan or Exact.</summary>
    public string ResourceVersionMatch { get; init; } = string.Empty;

    public bool AllowBookmarks { get; init; }

    public bool? SendInitialEvents { get; init; }

    public TimeSpan? Timeout { get; init; }
}
