namespace Skiff.ApiServer.Http;

/// <summary>What representation a client asked for in its Accept header.</summary>
internal enum ResponseFormat
{
    Json,
    Table,
    PartialObjectMetadata,
}

/// <summary>The response representation and the exact Content-Type to answer with.</summary>
internal readonly record struct Negotiated(ResponseFormat Format, string ContentType, string MetaVersion = "v1");

/// <summary>
/// Accept-header negotiation for resource requests, as kube-apiserver does it: the first acceptable media type wins;
/// <c>;as=Table;g=meta.k8s.io;v=v1</c> (or v1beta1) asks for a Table, <c>as=PartialObjectMetadata[List]</c> for metadata only.
/// </summary>
internal static class MediaTypes
{
    public const string Json = "application/json";

    public static Negotiated Negotiate(string? accept)
    {
        if (string.IsNullOrWhiteSpace(accept))
        {
            return new Negotiated(ResponseFormat.Json, Json);
        }

        foreach (var raw in accept.Split(','))
        {
            var parts = raw.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            var type = parts[0].ToLowerInvariant();
            if (type is not ("application/json" or "application/*" or "*/*"))
            {
                continue;
            }

            string? @as = null, g = null, v = null;
            foreach (var p in parts.Skip(1))
            {
                var eq = p.IndexOf('=');
                if (eq < 0)
                {
                    continue;
                }

                var k = p[..eq].Trim();
                var val = p[(eq + 1)..].Trim();
                switch (k)
                {
                    case "as": @as = val; break;
                    case "g": g = val; break;
                    case "v": v = val; break;
                }
            }

            if (@as is null)
            {
                return new Negotiated(ResponseFormat.Json, Json);
            }

            if (g != "meta.k8s.io" || v is not ("v1" or "v1beta1"))
            {
                continue;
            }

            switch (@as)
            {
                case "Table":
                    return new Negotiated(ResponseFormat.Table, $"application/json;as=Table;v={v};g=meta.k8s.io", v);
                case "PartialObjectMetadata":
                case "PartialObjectMetadataList":
                    return new Negotiated(ResponseFormat.PartialObjectMetadata, $"application/json;as={@as};v={v};g=meta.k8s.io", v);
            }
        }

        throw ApiException.NotAcceptable(accept);
    }
}
