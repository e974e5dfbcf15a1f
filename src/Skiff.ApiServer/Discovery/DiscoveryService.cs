using System.Security.Cryptography;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Discovery;

/// <summary>
/// The discovery documents kubectl and client libraries read before anything else: <c>/api</c>, <c>/apis</c>,
/// the per-group-version resource lists, and the aggregated (apidiscovery.k8s.io v2 and v2beta1) forms. Built once
/// from the served resources and cached as bytes with an ETag.
/// </summary>
internal sealed class DiscoveryService
{
    /// <summary>Group order as kube-apiserver publishes it; kubectl resolves ambiguous names in this order.</summary>
    private static readonly string[] GroupPriority =
    [
        "", "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch", "certificates.k8s.io",
        "networking.k8s.io", "policy", "rbac.authorization.k8s.io", "storage.k8s.io", "admissionregistration.k8s.io",
        "apiextensions.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "node.k8s.io", "discovery.k8s.io", "flowcontrol.apiserver.k8s.io",
    ];

    private readonly Dictionary<string, byte[]> _resourceLists = new(StringComparer.Ordinal);
    private readonly Dictionary<string, byte[]> _groups = new(StringComparer.Ordinal);

    public DiscoveryService(ResourceRegistry registry)
    {
        var handlers = registry.Handlers.ToList();
        var byGroup = handlers
            .GroupBy(h => h.Info.Group)
            .OrderBy(g => Array.IndexOf(GroupPriority, g.Key) is var i && i < 0 ? int.MaxValue : i)
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .ToList();

        var groupList = new V1APIGroupList { ApiVersion = "v1", Kind = "APIGroupList", Groups = [] };
        var aggregatedApis = new List<V2APIGroupDiscovery>();
        V2APIGroupDiscovery? aggregatedCore = null;
        foreach (var group in byGroup)
        {
            var versions = group.GroupBy(h => h.Info.Version).OrderBy(v => VersionRank(v.Key)).ToList();
            var versionDocs = new List<V2APIVersionDiscovery>();
            foreach (var version in versions)
            {
                var list = version.OrderBy(h => CatalogIndex(h.Info)).ToList();
                var gv = list[0].Info.ApiVersion;
                _resourceLists[gv] = ApiJson.Serialize(ResourceList(gv, list));
                versionDocs.Add(new V2APIVersionDiscovery
                {
                    Version = version.Key,
                    Freshness = "Current",
                    Resources = list.Select(AggregatedResource).ToList(),
                });
            }

            var aggregated = new V2APIGroupDiscovery { Metadata = new V1ObjectMeta { Name = group.Key }, Versions = versionDocs };
            if (group.Key.Length == 0)
            {
                aggregatedCore = aggregated;
                continue;
            }

            aggregatedApis.Add(aggregated);
            var gvs = versions.Select(v => new V1GroupVersionForDiscovery { GroupVersion = $"{group.Key}/{v.Key}", Version = v.Key }).ToList();
            var apiGroup = new V1APIGroup { Name = group.Key, Versions = gvs, PreferredVersion = gvs[0] };
            groupList.Groups.Add(apiGroup);
            _groups[group.Key] = ApiJson.Serialize(new V1APIGroup { ApiVersion = "v1", Kind = "APIGroup", Name = group.Key, Versions = gvs, PreferredVersion = gvs[0] });
        }

        Apis = ApiJson.Serialize(groupList);
        AggregatedApisV2 = Aggregated(aggregatedApis, "v2");
        AggregatedApisV2Beta1 = Aggregated(aggregatedApis, "v2beta1");
        AggregatedCoreV2 = Aggregated(aggregatedCore is null ? [] : [aggregatedCore], "v2");
        AggregatedCoreV2Beta1 = Aggregated(aggregatedCore is null ? [] : [aggregatedCore], "v2beta1");
    }

    /// <summary>The APIGroupList of <c>/apis</c>.</summary>
    public byte[] Apis { get; }

    public byte[] AggregatedApisV2 { get; }

    public byte[] AggregatedApisV2Beta1 { get; }

    public byte[] AggregatedCoreV2 { get; }

    public byte[] AggregatedCoreV2Beta1 { get; }

    /// <summary>The APIVersions of <c>/api</c> for a client reaching the server at <paramref name="serverAddress"/>.</summary>
    public static byte[] Api(string serverAddress) => ApiJson.Serialize(new V1APIVersions
    {
        Kind = "APIVersions",
        Versions = ["v1"],
        ServerAddressByClientCIDRs = [new V1ServerAddressByClientCIDR { ClientCIDR = "0.0.0.0/0", ServerAddress = serverAddress }],
    });

    /// <summary>The APIResourceList of a group-version ("v1", "apps/v1"), or null.</summary>
    public byte[]? ResourceList(string groupVersion) => _resourceLists.GetValueOrDefault(groupVersion);

    /// <summary>The APIGroup of <c>/apis/GROUP</c>, or null.</summary>
    public byte[]? Group(string group) => _groups.GetValueOrDefault(group);

    /// <summary>A strong ETag for a document.</summary>
    public static string ETag(byte[] doc) => "\"" + Convert.ToHexString(SHA256.HashData(doc))[..32] + "\"";

    private static int CatalogIndex(ResourceInfo info)
    {
        var list = BuiltInResources.Resources;
        for (var i = 0; i < list.Count; i++)
        {
            if (ReferenceEquals(list[i], info))
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    /// <summary>Kubernetes version priority: GA before beta before alpha, newer first.</summary>
    private static int VersionRank(string version)
    {
        var m = System.Text.RegularExpressions.Regex.Match(version, "^v([0-9]+)(?:(alpha|beta)([0-9]+))?$");
        if (!m.Success)
        {
            return 100000;
        }

        var major = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        var stage = m.Groups[2].Value switch { "" => 0, "beta" => 1, _ => 2 };
        var minor = m.Groups[3].Success && m.Groups[3].Value.Length > 0 ? int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        return (stage * 10000) - (major * 100) - minor;
    }

    private static V1APIResourceList ResourceList(string groupVersion, IReadOnlyList<IResourceHandler> handlers)
    {
        var resources = new List<V1APIResource>();
        foreach (var h in handlers)
        {
            var info = h.Info;
            resources.Add(new V1APIResource
            {
                Name = info.Plural,
                SingularName = info.Singular,
                Namespaced = info.Namespaced,
                Kind = info.Kind,
                Verbs = info.Verbs.ToList(),
                ShortNames = info.ShortNames.Count > 0 ? info.ShortNames.ToList() : null,
                Categories = info.Categories.Count > 0 ? info.Categories.ToList() : null,
            });
            foreach (var sub in h.ServedSubresources)
            {
                var (kind, group, version, verbs) = SubresourceShape(info, sub);
                resources.Add(new V1APIResource
                {
                    Name = $"{info.Plural}/{sub}",
                    SingularName = string.Empty,
                    Namespaced = info.Namespaced,
                    Kind = kind,
                    Group = group,
                    Version = version,
                    Verbs = verbs,
                });
            }
        }

        return new V1APIResourceList { ApiVersion = "v1", Kind = "APIResourceList", GroupVersion = groupVersion, Resources = resources };
    }

    private static (string Kind, string? Group, string? Version, List<string> Verbs) SubresourceShape(ResourceInfo info, string sub) => sub switch
    {
        "scale" => ("Scale", "autoscaling", "v1", ["get", "patch", "update"]),
        "finalize" => (info.Kind, null, null, ["update"]),
        "binding" => ("Binding", null, null, ["create"]),
        "eviction" => ("Eviction", "policy", "v1", ["create"]),
        "log" => (info.Kind, null, null, ["get"]),
        "exec" => ("PodExecOptions", null, null, ["create", "get"]),
        "attach" => ("PodAttachOptions", null, null, ["create", "get"]),
        "portforward" => ("PodPortForwardOptions", null, null, ["create", "get"]),
        "token" => ("TokenRequest", "authentication.k8s.io", "v1", ["create"]),
        _ => (info.Kind, null, null, ["get", "patch", "update"]),
    };

    private static V2APIResourceDiscovery AggregatedResource(IResourceHandler h)
    {
        var info = h.Info;
        return new V2APIResourceDiscovery
        {
            Resource = info.Plural,
            SingularResource = info.Singular,
            Scope = info.Namespaced ? "Namespaced" : "Cluster",
            ResponseKind = new V1GroupVersionKind { Group = info.Group, Version = info.Version, Kind = info.Kind },
            Verbs = info.Verbs.ToList(),
            ShortNames = info.ShortNames.Count > 0 ? info.ShortNames.ToList() : null,
            Categories = info.Categories.Count > 0 ? info.Categories.ToList() : null,
            Subresources = h.ServedSubresources.Count == 0 ? null : h.ServedSubresources.Select(sub =>
            {
                var (kind, group, version, verbs) = SubresourceShape(info, sub);
                return new V2APISubresourceDiscovery
                {
                    Subresource = sub,
                    ResponseKind = new V1GroupVersionKind { Group = group ?? info.Group, Version = version ?? info.Version, Kind = kind },
                    Verbs = verbs,
                };
            }).ToList(),
        };
    }

    private static byte[] Aggregated(List<V2APIGroupDiscovery> items, string version) => ApiJson.Serialize(new V2APIGroupDiscoveryList
    {
        ApiVersion = $"apidiscovery.k8s.io/{version}",
        Kind = "APIGroupDiscoveryList",
        Metadata = new V1ListMeta(),
        Items = items,
    });
}
