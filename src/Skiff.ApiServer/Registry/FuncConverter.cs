using k8s;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Registry;

/// <summary>A converter for a served version whose type differs from the storage type, built from two pure conversion functions.</summary>
internal sealed class FuncConverter<TExternal, T>(ResourceInfo info, Func<TExternal, T> toStorage, Func<T, TExternal> fromStorage) : IVersionConverter<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
    where TExternal : class, IKubernetesObject<V1ObjectMeta>
{
    public ResourceInfo External => info;

    public Type ExternalType => typeof(TExternal);

    public T Decode(ReadOnlySpan<byte> json) => toStorage(ApiJson.Deserialize<TExternal>(json));

    public byte[] Encode(T obj)
    {
        var ext = fromStorage(obj);
        ext.ApiVersion = info.ApiVersion;
        ext.Kind = info.Kind;
        return ApiJson.Serialize(ext);
    }

    public byte[] Encode(CachedObject o) => Encode(ApiJson.Deserialize<T>(o.Json));
}
