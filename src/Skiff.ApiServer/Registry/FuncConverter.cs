using k8s;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.Api.Validation;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// A converter for a served version whose type differs from the storage type, built from two pure conversion
/// functions. When the served version has its own strategy, its defaults and version-specific validation run on
/// the request body before conversion (as kube-apiserver defaults and validates per version).
/// </summary>
internal sealed class FuncConverter<TExternal, T>(ResourceInfo info, Func<TExternal, T> toStorage, Func<T, TExternal> fromStorage,
    ResourceStrategy<TExternal>? externalStrategy) : IVersionConverter<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
    where TExternal : class, IKubernetesObject<V1ObjectMeta>
{
    public ResourceInfo External => info;

    public Type ExternalType => typeof(TExternal);

    public T Decode(ReadOnlySpan<byte> json)
    {
        var ext = ApiJson.Deserialize<TExternal>(json);
        if (externalStrategy is not null)
        {
            externalStrategy.Default(ext);
            var errors = new FieldErrors();
            externalStrategy.Validate(ext, errors);
            if (errors.Count > 0)
            {
                throw ApiException.Invalid(info, ext.Metadata?.Name ?? string.Empty, errors);
            }
        }

        return toStorage(ext);
    }

    public byte[] Encode(T obj)
    {
        var ext = fromStorage(obj);
        ext.ApiVersion = info.ApiVersion;
        ext.Kind = info.Kind;
        return ApiJson.Serialize(ext);
    }

    public byte[] Encode(CachedObject o) => Encode(ApiJson.Deserialize<T>(o.Json));
}
