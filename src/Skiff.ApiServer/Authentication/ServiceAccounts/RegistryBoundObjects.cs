using k8s;
using k8s.Models;
using Skiff.ApiServer.Admission;

namespace Skiff.ApiServer.Authentication.ServiceAccounts;

/// <summary>Answers token-binding lookups from the registry's watch caches (no store round trip per request).</summary>
internal sealed class RegistryBoundObjects(RegistryAccess access) : IBoundObjects
{
    public string? Uid(string kind, string? ns, string name) => kind switch
    {
        "ServiceAccount" => Uid<V1ServiceAccount>(ns, name),
        "Pod" => Uid<V1Pod>(ns, name),
        "Secret" => Uid<V1Secret>(ns, name),
        "Node" => Uid<V1Node>(null, name),
        _ => null,
    };

    public V1Secret? Secret(string ns, string name)
    {
        var store = access.Store<V1Secret>();
        return store.Cache.Get(store.Key(ns, name)) is { } o ? store.Decode(o) : null;
    }

    private string? Uid<T>(string? ns, string name)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var store = access.Store<T>();
        return store.Cache.Get(store.Key(ns, name)) is { } o ? store.Decode(o).Metadata?.Uid : null;
    }
}
