using Skiff.Api.Resources;

namespace Skiff.ApiServer.Admission;

/// <summary>
/// What an admission plugin sees of one request (Kubernetes' admission.Attributes): the operation, the resource
/// and subresource, the object being written (mutable in the mutating phase) and, for updates and deletes, the
/// object as stored.
/// </summary>
public sealed class AdmissionAttributes
{
    public required AdmissionOperation Operation { get; init; }

    /// <summary>The storage resource the request writes (for converted versions, the storage version's info).</summary>
    public required ResourceInfo Resource { get; init; }

    /// <summary>Null for the main resource; "status", "binding", "finalize", "eviction", ... for subresources.</summary>
    public string? Subresource { get; init; }

    public string? Namespace { get; init; }

    public required string Name { get; init; }

    /// <summary>The new object (create, update); null for delete.</summary>
    public object? Object { get; init; }

    /// <summary>The stored object (update, delete); null for create.</summary>
    public object? OldObject { get; init; }

    /// <summary>The request's user; null for the API server's own writes (bootstrap).</summary>
    public UserInfo? User { get; init; }

    public bool DryRun { get; init; }

    /// <summary>The request's options object (e.g. V1DeleteOptions for delete), when there is one.</summary>
    public object? Options { get; init; }
}
