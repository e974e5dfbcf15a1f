using k8s.Models;
using Skiff.Api.Resources;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Http;

/// <summary>
/// A request failure that becomes a Kubernetes <c>Status</c> body with the code, reason and message
/// kube-apiserver gives for the same failure (apimachinery's api/errors constructors).
/// </summary>
internal sealed class ApiException(int code, string reason, string message, V1StatusDetails? details = null) : Exception(message)
{
    public int Code { get; } = code;

    public string Reason { get; } = reason;

    public V1StatusDetails? Details { get; } = details;

    /// <summary>The Status body as JSON. Written by hand: the model's own converter cannot serialize a Status.</summary>
    public byte[] ToJson() => StatusJson.Write(ToStatus());

    public V1Status ToStatus() => new()
    {
        ApiVersion = "v1",
        Kind = "Status",
        Metadata = new V1ListMeta(),
        Status = "Failure",
        Message = Message,
        Reason = Reason,
        Details = Details,
        Code = Code,
    };

    private static V1StatusDetails Details_(ResourceInfo info, string? name) => new() { Name = name, Group = info.Group.Length == 0 ? null : info.Group, Kind = info.Plural };

    public static ApiException NotFound(ResourceInfo info, string name) =>
        new(404, "NotFound", $"{info.GroupResource} \"{name}\" not found", Details_(info, name));

    public static ApiException NotFound(string message) => new(404, "NotFound", message);

    public static ApiException AlreadyExists(ResourceInfo info, string name) =>
        new(409, "AlreadyExists", $"{info.GroupResource} \"{name}\" already exists", Details_(info, name));

    public static ApiException Conflict(ResourceInfo info, string name, string why) =>
        new(409, "Conflict", $"Operation cannot be fulfilled on {info.GroupResource} \"{name}\": {why}", Details_(info, name));

    public const string ModifiedMessage = "the object has been modified; please apply your changes to the latest version and try again";

    public static ApiException Invalid(ResourceInfo info, string name, FieldErrors errors) => new(
        422,
        "Invalid",
        $"{(info.Group.Length == 0 ? info.Kind : $"{info.Kind}.{info.Group}")} \"{name}\" is invalid: {errors.Aggregate()}",
        new V1StatusDetails
        {
            Name = name,
            Group = info.Group.Length == 0 ? null : info.Group,
            Kind = info.Kind,
            Causes = errors.Select(e => new V1StatusCause { Reason = e.Reason, Message = e.Body, Field = e.Field }).ToList(),
        });

    public static ApiException BadRequest(string message) => new(400, "BadRequest", message);

    public static ApiException MethodNotSupported(string verb, string resource) =>
        new(405, "MethodNotAllowed", $"{verb} is not supported on resources of kind \"{resource}\"");

    public static ApiException Gone(string message) => new(410, "Expired", message);

    public static ApiException Forbidden(string message) => new(403, "Forbidden", message);

    /// <summary>403 for a named object, as admission plugins answer: <c>pods "x" is forbidden: why</c>.</summary>
    public static ApiException Forbidden(ResourceInfo info, string name, string why) =>
        new(403, "Forbidden", $"{info.GroupResource} \"{name}\" is forbidden: {why}", new V1StatusDetails { Name = name, Group = info.Group.Length == 0 ? null : info.Group, Kind = info.Plural });

    public static ApiException Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static ApiException TooLarge(long limit) =>
        new(413, "RequestEntityTooLarge", $"Request entity too large: limit is {limit}");

    public static ApiException NotAcceptable(string accept) =>
        new(406, "NotAcceptable", $"only the following media types are accepted: application/json, application/yaml (got {accept})");

    public static ApiException Timeout(string message, int retryAfter = 1) =>
        new(504, "Timeout", message, new V1StatusDetails { RetryAfterSeconds = retryAfter });

    public static ApiException TooManyRequests(string message) =>
        new(429, "TooManyRequests", message, new V1StatusDetails { RetryAfterSeconds = 1 });

    public static ApiException Internal(string message) => new(500, "InternalError", $"Internal error occurred: {message}");
}
