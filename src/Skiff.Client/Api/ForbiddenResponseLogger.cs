using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Skiff.Client.Api;

/// <summary>
/// Logs a warning for every request of a component that the API server refuses with 403 Forbidden, naming the
/// component (the request's User-Agent), the verb, the path and the server's reason. A control-plane component that
/// lacks a permission otherwise fails quietly: a controller retries with backoff and a watch never starts, so the one
/// visible trace of a missing RBAC rule is this line.
/// </summary>
internal sealed partial class ForbiddenResponseLogger(ILogger logger) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Forbidden)
        {
            // A 403 body is a small Status; buffering it keeps it readable for the caller's error handling.
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            Log.Forbidden(logger, request.Headers.UserAgent.ToString(), Verb(request), request.RequestUri?.AbsolutePath ?? "", StatusMessage(body));
        }

        return response;
    }

    /// <summary>The Kubernetes verb of a request (watch and list are told apart by the query, as the API server does).</summary>
    internal static string Verb(HttpRequestMessage request)
    {
        var query = request.RequestUri?.Query ?? "";
        return request.Method.Method switch
        {
            "GET" when query.Contains("watch=true", StringComparison.Ordinal) || query.Contains("watch=1", StringComparison.Ordinal) => "watch",
            "GET" => "get or list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            var other => other,
        };
    }

    private static string StatusMessage(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
                ? message.GetString() ?? body
                : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "ComponentForbidden", Level = LogLevel.Warning,
            Message = "{Component} was refused by the API server (403 Forbidden): {Verb} {Path}: {Reason}")]
        public static partial void Forbidden(ILogger logger, string component, string verb, string path, string reason);
    }
}
