using k8s;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Registry;

/// <summary>The converter of a storage version: no conversion, cached bytes served as they are.</summary>
internal sealed class IdentityConverter<T>(ResourceInfo info) : IVersionConverter<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public ResourceInfo External => info;

    public Type ExternalType => typeof(T);

    public T Decode(ReadOnlySpan<byte> json) => ApiJson.Deserialize<T>(json);

    public byte[] Encode(T obj)
    {
        obj.ApiVersion = info.ApiVersion;
        obj.Kind = info.Kind;
        return ApiJson.Serialize(obj);
    }

    public byte[] Encode(CachedObject o) => o.Json;
}
