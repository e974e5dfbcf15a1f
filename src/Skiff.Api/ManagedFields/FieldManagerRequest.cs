namespace Skiff.Api.ManagedFields;

/// <summary>Who writes and how: the manager name, the API version and subresource of the request, the time, and which fields the write may own.</summary>
public sealed record FieldManagerRequest
{
    public required string Manager { get; init; }

    /// <summary>The group/version the request was made in, e.g. <c>apps/v1</c>.</summary>
    public required string ApiVersion { get; init; }

    /// <summary>"status", "scale" or null for the main resource.</summary>
    public string? Subresource { get; init; }

    public required DateTime Now { get; init; }

    /// <summary>
    /// Fields the write can not own because the registry resets them (kube-apiserver's ResetFieldsStrategy):
    /// status for writes to the main resource of a type with a status subresource, everything but status for
    /// status writes. Null owns everything.
    /// </summary>
    public Func<FieldSet, FieldSet>? Filter { get; init; }
}
