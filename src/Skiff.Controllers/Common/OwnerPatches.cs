using System.Text.Json;
using k8s;
using k8s.Models;

namespace Skiff.Controllers.Common;

/// <summary>Merge patches that rewrite an object's ownerReferences (adoption, release, orphaning).</summary>
internal static class OwnerPatches
{
    /// <summary>
    /// The whole ownerReferences list (merge patch replaces lists), guarded by the object's UID and
    /// resourceVersion so it cannot land on a replacement object or over a concurrent change.
    /// </summary>
    public static string OwnerReferences(V1ObjectMeta meta, IReadOnlyList<V1OwnerReference> refs) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["metadata"] = new Dictionary<string, object?>
            {
                ["ownerReferences"] = refs.Count == 0 ? null : JsonDocument.Parse(KubernetesJson.Serialize(refs)).RootElement,
                ["uid"] = meta.Uid,
                ["resourceVersion"] = meta.ResourceVersion,
            },
        });

    /// <summary>The finalizers list without <paramref name="finalizer"/>, guarded by resourceVersion.</summary>
    public static string WithoutFinalizer(V1ObjectMeta meta, string finalizer)
    {
        var rest = meta.Finalizers?.Where(f => f != finalizer).ToList() ?? [];
        return JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["metadata"] = new Dictionary<string, object?>
            {
                ["finalizers"] = rest.Count == 0 ? null : rest,
                ["resourceVersion"] = meta.ResourceVersion,
            },
        });
    }
}
