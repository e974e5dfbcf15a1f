using k8s.Models;
using Skiff.Client.Api;
using Skiff.Client.Cache;

namespace Skiff.Kubelet.Env;

/// <summary>
/// The Services a container's environment is built from (<see cref="ServiceEnvironment"/>), read as kubelet's service
/// lister does: from a Service informer's cache, so starting a pod costs the API server no LIST. Until the informer has
/// synced the Services are listed from the API, so a container never misses a variable for want of a cache.
/// </summary>
internal sealed class ServiceLister(Indexer<V1Service> cache, Func<bool> hasSynced, IResourceClient<V1Service> services)
{
    /// <summary>The Service environment of a container in <paramref name="ns"/> (see <see cref="ServiceEnvironment.Build"/>).</summary>
    public async Task<IReadOnlyDictionary<string, string>> EnvironmentAsync(string ns, bool? enableServiceLinks, CancellationToken cancellationToken)
    {
        var list = new List<V1Service>();
        var synced = hasSynced();
        if (enableServiceLinks != false)
        {
            list.AddRange(synced ? cache.ByIndex(Indexers.Namespace, ns) : (await services.ListAsync(ns, new ListOptions(), cancellationToken).ConfigureAwait(false)).Items ?? []);
        }

        if (ns != "default" || enableServiceLinks == false)
        {
            // The master services (kubernetes in default) are always visible, as kubelet's getServiceEnvVarMap does.
            if (synced)
            {
                if (cache.Get("default", "kubernetes") is { } master)
                {
                    list.Add(master);
                }
            }
            else
            {
                list.AddRange(((await services.ListAsync("default", new ListOptions(), cancellationToken).ConfigureAwait(false)).Items ?? []).Where(s => s.Metadata.Name == "kubernetes"));
            }
        }

        return ServiceEnvironment.Build(list, ns, enableServiceLinks);
    }
}
