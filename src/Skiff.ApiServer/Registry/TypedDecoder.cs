using k8s;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Registry;

/// <summary>Decodes stored objects of one resource for the watch cache: sets kind, apiVersion and resourceVersion, extracts selector attributes.</summary>
internal sealed class TypedDecoder<T>(ResourceInfo info, ResourceStrategy<T> strategy) : IObjectDecoder
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public CachedObject Decode(string key, ReadOnlyMemory<byte> value, long resourceVersion)
    {
        var obj = ApiJson.Deserialize<T>(value.Span);
        obj.ApiVersion = info.ApiVersion;
        obj.Kind = info.Kind;
        obj.Metadata ??= new V1ObjectMeta();
        obj.Metadata.ResourceVersion = resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Dictionary<string, string>? fields = null;
        foreach (var (k, v) in strategy.SelectableFields(obj))
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
}
