using Microsoft.AspNetCore.Http;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Admission;

/// <summary>
/// Warnings an admission plugin returns with an accepted request (kube-apiserver's warning.AddWarning on the request
/// context): each becomes a <c>Warning: 299 - "text"</c> response header, which kubectl prints as <c>Warning: text</c>.
/// Flows with the async call like <see cref="RequestUser"/>; outside a request (the API server's own writes) warnings
/// are dropped.
/// </summary>
internal static class RequestWarnings
{
    private static readonly AsyncLocal<HttpContext?> CurrentContext = new();

    /// <summary>The HTTP request being served; set by the router before the handler runs.</summary>
    public static HttpContext? Current
    {
        get => CurrentContext.Value;
        set => CurrentContext.Value = value;
    }

    /// <summary>Adds a warning to the current response once (the same text twice is one header, as kube-apiserver dedupes).</summary>
    public static void Add(string text)
    {
        if (CurrentContext.Value is not { } ctx || ctx.Response.HasStarted)
        {
            return;
        }

        var key = typeof(RequestWarnings);
        if (ctx.Items[key] is not HashSet<string> seen)
        {
            seen = new HashSet<string>(StringComparer.Ordinal);
            ctx.Items[key] = seen;
        }

        if (seen.Add(text))
        {
            HttpIo.AddWarning(ctx, text);
        }
    }
}
