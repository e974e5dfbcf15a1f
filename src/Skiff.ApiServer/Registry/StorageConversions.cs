using Skiff.Api.Resources;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// The served versions that share another version's storage (autoscaling/v1 HPAs as v2, events.k8s.io/v1
/// Events as core/v1) and the conversions between them.
/// </summary>
internal sealed class StorageConversions(ApiServerOptions options, FieldChecker fieldChecker, TimeProvider time)
{
    /// <summary>The handler of <paramref name="info"/> on its storage version's store, or null when no conversion is known.</summary>
    public IResourceHandler? Create(ResourceInfo info, IReadOnlyDictionary<Type, object> stores)
    {
        _ = options;
        _ = fieldChecker;
        _ = time;
        _ = stores;
        _ = info;
        return null;
    }
}
