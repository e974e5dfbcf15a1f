namespace Skiff.ApiServer.Storage;

/// <summary>
/// One object as the watch cache holds it: its JSON (with kind, apiVersion and resourceVersion set), and the
/// attributes selectors look at, extracted once when the object changes so LIST and WATCH never decode it.
/// </summary>
internal sealed class CachedObject
{
    public required string Key { get; init; }

    public required string Namespace { get; init; }

    public required string Name { get; init; }

    public required long ResourceVersion { get; init; }

    /// <summary>The object's JSON as served (storage version).</summary>
    public required byte[] Json { get; init; }

    public IDictionary<string, string>? Labels { get; init; }

    /// <summary>Field-selector values besides metadata.name and metadata.namespace.</summary>
    public IReadOnlyDictionary<string, string>? Fields { get; init; }

    /// <summary>The value of a field for field selectors; null when the field is not selectable.</summary>
    public string? FieldValue(string field) => field switch
    {
        "metadata.name" => Name,
        "metadata.namespace" => Namespace,
        _ => Fields is not null && Fields.TryGetValue(field, out var v) ? v : null,
    };
}
