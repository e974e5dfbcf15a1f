using k8s;
using k8s.Models;

namespace Skiff.Client.Cache;

/// <summary>The index functions controllers share: by namespace, by owner UID and by node name.</summary>
public static class Indexers
{
    public const string Namespace = "namespace";
    public const string OwnerUid = "ownerUid";
    public const string NodeName = "nodeName";

    public static IEnumerable<string> ByNamespace<T>(T obj)
        where T : IKubernetesObject<V1ObjectMeta> =>
        [obj.Metadata?.NamespaceProperty ?? ""];

    public static IEnumerable<string> ByOwnerUid<T>(T obj)
        where T : IKubernetesObject<V1ObjectMeta> =>
        obj.Metadata?.OwnerReferences?.Select(r => r.Uid).Where(u => !string.IsNullOrEmpty(u)) ?? [];

    public static IEnumerable<string> ByNodeName(V1Pod pod) =>
        string.IsNullOrEmpty(pod.Spec?.NodeName) ? [] : [pod.Spec.NodeName];
}
