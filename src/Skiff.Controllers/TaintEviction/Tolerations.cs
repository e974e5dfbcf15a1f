using k8s.Models;

namespace Skiff.Controllers.TaintEviction;

/// <summary>Toleration matching with core/v1's ToleratesTaint rules.</summary>
internal static class Tolerations
{
    /// <summary>
    /// Whether the toleration tolerates the taint: an empty effect matches every effect, an empty key with
    /// <c>Exists</c> matches every key, <c>Equal</c> (or no operator) needs equal values.
    /// </summary>
    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }

        if (!string.IsNullOrEmpty(toleration.Key) && toleration.Key != taint.Key)
        {
            return false;
        }

        return toleration.OperatorProperty switch
        {
            null or "" or "Equal" => (toleration.Value ?? "") == (taint.Value ?? ""),
            "Exists" => true,
            _ => false,
        };
    }

    /// <summary>The first of the pod's tolerations that tolerates the taint (kube's GetMatchingTolerations picks the first), or null.</summary>
    public static V1Toleration? Matching(IEnumerable<V1Toleration>? tolerations, V1Taint taint) =>
        tolerations?.FirstOrDefault(t => Tolerates(t, taint));
}
