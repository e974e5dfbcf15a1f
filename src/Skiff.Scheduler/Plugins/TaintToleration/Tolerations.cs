using k8s.Models;

namespace Skiff.Scheduler.Plugins.TaintToleration;

/// <summary>Toleration matching with the rules of k8s.io/api's Toleration.ToleratesTaint.</summary>
internal static class Tolerations
{
    public static bool Tolerates(V1Toleration toleration, V1Taint taint)
    {
        if (!string.IsNullOrEmpty(toleration.Effect) && toleration.Effect != taint.Effect)
        {
            return false;
        }

        // An empty key with operator Exists matches every taint.
        if (!string.IsNullOrEmpty(toleration.Key) && toleration.Key != taint.Key)
        {
            return false;
        }

        return toleration.OperatorProperty switch
        {
            "Exists" => true,
            null or "" or "Equal" => (toleration.Value ?? "") == (taint.Value ?? ""),
            _ => false,
        };
    }

    public static bool Tolerated(IList<V1Toleration>? tolerations, V1Taint taint) => tolerations?.Any(t => Tolerates(t, taint)) == true;
}
