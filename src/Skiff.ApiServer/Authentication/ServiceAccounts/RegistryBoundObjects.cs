using k8s.Models;
using Skiff.Api.Resources;
using Skiff.ApiServer.Admission;

namespace Skiff.ApiServer.Authentication.ServiceAccounts;

/// <summary>Answers token-binding lookups from the registry's watch caches (no store round trip per request).</summary>
internal sealed class RegistryBoundObjects(RegistryAccess access) : IBoundObjects
{
    public string? Uid(string kind, string? ns, string name)
    {
        var cache = kind switch
        {
            "ServiceAccount" => access.Store<V1ServiceAccount>().Cache,
            "Pod" => access.Store<V1Pod>().Cache,
            "Secret" => access.Store<V1Secret>().Cache,
            "Node" => access.Store<V1Node>().Cache,
            _ => null,
        };
        var info = BuiltInResources.Resources.FirstOrDefault(r => r.Kind == kind && r.Group.Length == 0);
        if (cache is null || info is null)
        {
            return null;
        }

        return cache.Get(info.Key(info.Namespaced ? ns : null, name)) is { } o
            ? Registry.ApiJson.Deserialize<PartialMeta>(o.Json).Metadata?.Uid
            : null;
    }

    private sealed class PartialMeta
    {
        [System.Text.Json.Serialization.JsonPropertyName("metadata")]
        public V1ObjectMeta? Metadata { get; set; }
    }
}
