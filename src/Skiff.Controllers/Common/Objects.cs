using k8s;
using k8s.Models;
using Skiff.Client.Cache;

namespace Skiff.Controllers.Common;

/// <summary>Helpers on object metadata shared by the controllers.</summary>
internal static class Objects
{
    /// <summary>A deep copy through JSON: cached objects are shared and must not be changed in place.</summary>
    public static T Clone<T>(T obj) => KubernetesJson.Deserialize<T>(KubernetesJson.Serialize(obj));

    public static V1OwnerReference? ControllerOf(V1ObjectMeta meta) =>
        meta.OwnerReferences?.FirstOrDefault(r => r.Controller == true);

    /// <summary>
    /// The cached owner that <paramref name="meta"/>'s controller reference points at, when it is of
    /// <paramref name="kind"/> and is still the same object (same UID), as kube-controller-manager's
    /// resolveControllerRef; null otherwise.
    /// </summary>
    public static TOwner? ResolveControllerRef<TOwner>(Indexer<TOwner> owners, V1ObjectMeta meta, string kind)
        where TOwner : class, IKubernetesObject<V1ObjectMeta>
    {
        var r = ControllerOf(meta);
        if (r is null || r.Kind != kind)
        {
            return null;
        }

        var owner = owners.Get(meta.NamespaceProperty, r.Name);
        return owner?.Metadata.Uid == r.Uid ? owner : null;
    }

    public static V1OwnerReference ControllerRef(IKubernetesObject<V1ObjectMeta> owner, string apiVersion, string kind) => new()
    {
        ApiVersion = apiVersion,
        Kind = kind,
        Name = owner.Metadata.Name,
        Uid = owner.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    public static bool IsBeingDeleted(IKubernetesObject<V1ObjectMeta> obj) => obj.Metadata.DeletionTimestamp is not null;

    public static string Annotation(V1ObjectMeta meta, string key) =>
        meta.Annotations is not null && meta.Annotations.TryGetValue(key, out var v) ? v : "";

    public static bool JsonEqual<T>(T a, T b)
    {
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        // Object member order does not count: maps arrive in whatever order their writer used.
        return System.Text.Json.Nodes.JsonNode.DeepEquals(
            System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(a)),
            System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(b)));
    }
}
