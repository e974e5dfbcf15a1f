namespace Skiff.ApiServer.OpenApi;

/// <summary>A generated OpenAPI document (or the v3 index): its UTF-8 JSON and its validators.</summary>
internal sealed class OpenApiDocument(ReadOnlyMemory<byte> content, string hash)
{
    /// <summary>The JSON, served as <c>application/json</c>.</summary>
    public ReadOnlyMemory<byte> Content { get; } = content;

    /// <summary>Upper-case hex SHA-512, as kube-apiserver writes in <c>?hash=</c> and ETags.</summary>
    public string Hash { get; } = hash;

    /// <summary>The quoted entity tag for ETag / If-None-Match.</summary>
    public string ETag { get; } = "\"" + hash + "\"";
}
