namespace Skiff.Api.ManagedFields;

/// <summary>One managedFields entry while it is worked on: who, how, with which version and subresource, the fields, and when.</summary>
internal sealed class ManagerEntry
{
    public required string Manager { get; init; }

    public required string Operation { get; init; }

    public string? ApiVersion { get; set; }

    public string? Subresource { get; init; }

    public DateTime? Time { get; set; }

    public FieldSet Fields { get; set; } = new();

    /// <summary>
    /// The identity kube-apiserver uses to tell managers apart: appliers by name and subresource (whatever the
    /// version they applied), updaters also by API version.
    /// </summary>
    public string Identity => Operation == "Apply"
        ? $"{Manager}\u0000Apply\u0000\u0000{Subresource}"
        : $"{Manager}\u0000{Operation}\u0000{ApiVersion}\u0000{Subresource}";

    /// <summary>How a conflict names the manager, as kube-apiserver prints it: <c>"x"</c>, <c>"x" using apps/v1</c>.</summary>
    public string Describe()
    {
        var s = $"\"{Manager}\"";
        if (!string.IsNullOrEmpty(Subresource))
        {
            s += $" with subresource \"{Subresource}\"";
        }

        return Operation == "Update" ? $"{s} using {ApiVersion}" : s;
    }
}
