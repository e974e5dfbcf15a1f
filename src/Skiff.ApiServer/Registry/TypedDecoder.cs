using System.Globalization;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// Decodes stored objects of one resource for the watch cache: sets kind, apiVersion and resourceVersion, extracts
/// selector attributes. Runs on the cache dispatcher's single thread for every write, so for resources whose
/// selectors need only metadata it splices resourceVersion into the stored bytes and reads just the metadata,
/// instead of decoding and re-encoding the whole object.
/// </summary>
internal sealed class TypedDecoder<T> : IObjectDecoder
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly byte[] ApiVersionName = "apiVersion"u8.ToArray();
    private static readonly byte[] KindName = "kind"u8.ToArray();
    private static readonly byte[] MetadataName = "metadata"u8.ToArray();
    private static readonly byte[] ResourceVersionName = "resourceVersion"u8.ToArray();
    private readonly ResourceInfo _info;
    private readonly ResourceStrategy<T> _strategy;
    private readonly bool _metadataOnly;

    public TypedDecoder(ResourceInfo info, ResourceStrategy<T> strategy)
    {
        _info = info;
        _strategy = strategy;

        // Field selectors beyond name and namespace need the whole object; the rest need only metadata.
        _metadataOnly = strategy.GetType().GetMethod(nameof(ResourceStrategy<T>.SelectableFields))!.DeclaringType == typeof(ResourceStrategy<T>);
    }

    public CachedObject Decode(string key, ReadOnlyMemory<byte> value, long resourceVersion)
    {
        if (_metadataOnly && TrySplice(value.Span, resourceVersion, out var json, out var metaStart, out var metaLength))
        {
            var meta = JsonSerializer.Deserialize<V1ObjectMeta>(json.AsSpan(metaStart, metaLength), ApiJson.Options) ?? new V1ObjectMeta();
            return new CachedObject
            {
                Key = key,
                Namespace = meta.NamespaceProperty ?? string.Empty,
                Name = meta.Name ?? string.Empty,
                ResourceVersion = resourceVersion,
                Json = json,
                Labels = meta.Labels,
            };
        }

        return DecodeFully(key, value.Span, resourceVersion);
    }

    private CachedObject DecodeFully(string key, ReadOnlySpan<byte> value, long resourceVersion)
    {
        var obj = ApiJson.Deserialize<T>(value);
        obj.ApiVersion = _info.ApiVersion;
        obj.Kind = _info.Kind;
        obj.Metadata ??= new V1ObjectMeta();
        obj.Metadata.ResourceVersion = resourceVersion.ToString(CultureInfo.InvariantCulture);
        Dictionary<string, string>? fields = null;
        foreach (var (k, v) in _strategy.SelectableFields(obj))
        {
            fields ??= new Dictionary<string, string>(StringComparer.Ordinal);
            fields[k] = v;
        }

        return new CachedObject
        {
            Key = key,
            Namespace = obj.Metadata.NamespaceProperty ?? string.Empty,
            Name = obj.Metadata.Name ?? string.Empty,
            ResourceVersion = resourceVersion,
            Json = ApiJson.Serialize(obj),
            Labels = obj.Metadata.Labels,
            Fields = fields,
        };
    }

    /// <summary>
    /// Inserts <c>"resourceVersion":"N"</c> at the start of the top-level metadata object. Succeeds only for the
    /// shape the registry stores: an object with apiVersion and kind, a metadata object, and no resourceVersion.
    /// </summary>
    internal static bool TrySplice(ReadOnlySpan<byte> value, long resourceVersion, out byte[] json, out int metaStart, out int metaLength)
    {
        json = [];
        metaStart = metaLength = 0;
        var reader = new Utf8JsonReader(value);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        bool apiVersion = false, kind = false;
        long start = -1, end = -1;
        var metaEmpty = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(MetadataName))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return false;
                }

                start = reader.TokenStartIndex;
                var depth = reader.CurrentDepth;
                var first = true;
                while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
                {
                    if (reader.TokenType == JsonTokenType.PropertyName)
                    {
                        if (reader.ValueTextEquals(ResourceVersionName))
                        {
                            return false;
                        }

                        first = false;
                        reader.Read();
                        reader.Skip();
                    }
                }

                metaEmpty = first;
                end = reader.TokenStartIndex + 1;
                continue;
            }

            if (reader.ValueTextEquals(ApiVersionName))
            {
                apiVersion = true;
            }
            else if (reader.ValueTextEquals(KindName))
            {
                kind = true;
            }

            reader.Read();
            reader.Skip();
        }

        if (!apiVersion || !kind || start < 0)
        {
            return false;
        }

        var insert = Encoding.UTF8.GetBytes($"\"resourceVersion\":\"{resourceVersion.ToString(CultureInfo.InvariantCulture)}\"{(metaEmpty ? string.Empty : ",")}");
        var at = (int)start + 1;
        json = new byte[value.Length + insert.Length];
        value[..at].CopyTo(json);
        insert.CopyTo(json.AsSpan(at));
        value[at..].CopyTo(json.AsSpan(at + insert.Length));
        metaStart = (int)start;
        metaLength = (int)(end - start) + insert.Length;
        return true;
    }
}
