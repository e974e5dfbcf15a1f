using System.Buffers;
using System.Text;
using Microsoft.AspNetCore.Http;
using Skiff.Api.Serialization;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Http;

/// <summary>Reading bounded request bodies and writing JSON answers and <c>Status</c> errors.</summary>
internal static class HttpIo
{
    /// <summary>Reads the whole body, refusing more than <paramref name="limit"/> bytes with 413, and converts YAML bodies to JSON.</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpContext ctx, long limit, CancellationToken ct)
    {
        var req = ctx.Request;
        if (req.ContentLength is { } len && len > limit)
        {
            throw ApiException.TooLarge(limit);
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Min(req.ContentLength ?? 4096, limit) + 1);
        while (true)
        {
            var mem = buffer.GetMemory(16 * 1024);
            var n = await req.Body.ReadAsync(mem, ct).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            buffer.Advance(n);
            if (buffer.WrittenCount > limit)
            {
                throw ApiException.TooLarge(limit);
            }
        }

        var body = buffer.WrittenSpan.ToArray();
        if (YamlToJson.IsYaml(req.ContentType))
        {
            try
            {
                return YamlToJson.Convert(body);
            }
            catch (FormatException e)
            {
                throw ApiException.BadRequest(e.Message);
            }
        }

        return body;
    }

    public static Task WriteJsonAsync(HttpContext ctx, int code, ReadOnlyMemory<byte> json, string contentType = MediaTypes.Json)
    {
        var res = ctx.Response;
        res.StatusCode = code;
        res.ContentType = contentType;
        res.ContentLength = json.Length;
        return res.Body.WriteAsync(json).AsTask();
    }

    public static Task WriteObjectAsync<T>(HttpContext ctx, int code, T value) =>
        WriteJsonAsync(ctx, code, ApiJson.Serialize(value));

    public static Task WriteErrorAsync(HttpContext ctx, ApiException e)
    {
        if (e.Details?.RetryAfterSeconds is { } retry)
        {
            ctx.Response.Headers.RetryAfter = retry.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return WriteJsonAsync(ctx, e.Code, e.ToJson());
    }

    /// <summary>Adds a <c>Warning: 299 - "text"</c> header, the way kube-apiserver returns warnings that kubectl prints.</summary>
    public static void AddWarning(HttpContext ctx, string text)
    {
        var escaped = new StringBuilder(text.Length + 2);
        foreach (var c in text)
        {
            if (c is '"' or '\\')
            {
                escaped.Append('\\');
            }

            escaped.Append(c < ' ' ? ' ' : c);
        }

        ctx.Response.Headers.Append("Warning", $"299 - \"{escaped}\"");
    }
}
