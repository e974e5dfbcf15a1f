using k8s.Models;
using Skiff.ApiServer.Admission;

namespace Skiff.ApiServer.Authentication;

/// <summary>Reads bootstrap token Secrets from the registry's watch cache (no store round trip per request).</summary>
internal sealed class RegistryBootstrapTokenSecrets(RegistryAccess access) : IBootstrapTokenSecrets
{
    public V1Secret? Get(string name)
    {
        var store = access.Store<V1Secret>();
        return store.Cache.Get(store.Key("kube-system", name)) is { } o ? store.Decode(o) : null;
    }
}
