using k8s;
using Microsoft.Extensions.DependencyInjection;
using k8s.Models;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Admission;

/// <summary>
/// Lets admission plugins read and write other resources (LimitRanges, quotas, classes) through their registry
/// stores and watch caches. Resolved lazily because the registry itself is built with the admission chain.
/// </summary>
internal sealed class RegistryAccess(IServiceProvider services)
{
    private ResourceRegistry? _registry;

    public ResourceRegistry Registry => _registry ??= services.GetRequiredService<ResourceRegistry>();

    /// <summary>The registry store of a storage type (reads are served from its watch cache).</summary>
    public RegistryStore<T> Store<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> => Registry.Store<T>();
}
