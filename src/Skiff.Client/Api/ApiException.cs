using System.Net;
using k8s.Models;

namespace Skiff.Client.Api;

/// <summary>A request the API server answered with an error; carries the Kubernetes <c>Status</c> body when there was one.</summary>
public sealed class ApiException(HttpStatusCode statusCode, V1Status? status, string message) : Exception(message)
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    public V1Status? Status { get; } = status;

    public string? Reason => Status?.Reason;

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    public bool IsConflict => StatusCode == HttpStatusCode.Conflict && Reason != "AlreadyExists";

    public bool IsAlreadyExists => StatusCode == HttpStatusCode.Conflict && Reason == "AlreadyExists";

    /// <summary>410: the requested resourceVersion was compacted away; the caller must relist.</summary>
    public bool IsGone => StatusCode == HttpStatusCode.Gone || Reason is "Expired" or "Gone";

    public bool IsInvalid => StatusCode == HttpStatusCode.UnprocessableEntity;

    /// <summary>Whether the namespace is being deleted (create refused by NamespaceLifecycle admission).</summary>
    public bool IsNamespaceTerminating =>
        StatusCode == HttpStatusCode.Forbidden && Status?.Details?.Causes?.Any(c => c.Reason == "NamespaceTerminating") == true
        || StatusCode == HttpStatusCode.Forbidden && Status?.Message?.Contains("because it is being terminated", StringComparison.Ordinal) == true;

    public static bool NotFound(Exception ex) => ex is ApiException { IsNotFound: true };
}
