using k8s.Models;

namespace Skiff.Controllers.NodeLifecycle;

/// <summary>The taints the node lifecycle controller owns (kube's well-known node taints) and how conditions map to them.</summary>
internal static class NodeTaints
{
    public const string NotReady = "node.kubernetes.io/not-ready";
    public const string Unreachable = "node.kubernetes.io/unreachable";
    public const string MemoryPressure = "node.kubernetes.io/memory-pressure";
    public const string DiskPressure = "node.kubernetes.io/disk-pressure";
    public const string PidPressure = "node.kubernetes.io/pid-pressure";
    public const string NetworkUnavailable = "node.kubernetes.io/network-unavailable";
    public const string Unschedulable = "node.kubernetes.io/unschedulable";

    public const string NoExecute = "NoExecute";
    public const string NoSchedule = "NoSchedule";

    /// <summary>Every NoSchedule taint this controller manages (TaintNodesByCondition); others on the node are left alone.</summary>
    public static readonly IReadOnlySet<string> NoScheduleKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        NotReady, Unreachable, MemoryPressure, DiskPressure, PidPressure, NetworkUnavailable, Unschedulable,
    };

    public static V1NodeCondition? Condition(V1Node node, string type) => node.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    public static bool Has(V1Node node, string key, string effect) => node.Spec?.Taints?.Any(t => t.Key == key && t.Effect == effect) == true;

    /// <summary>
    /// The NoSchedule taints the node's conditions and spec call for, as kube's doNoScheduleTaintingPass maps them:
    /// Ready False → not-ready, Ready Unknown → unreachable, pressure conditions True → their taints,
    /// spec.unschedulable → unschedulable.
    /// </summary>
    public static SortedSet<string> WantedNoSchedule(V1Node node)
    {
        var wanted = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in node.Status?.Conditions ?? [])
        {
            var key = (c.Type, c.Status) switch
            {
                ("Ready", "False") => NotReady,
                ("Ready", "Unknown") => Unreachable,
                ("MemoryPressure", "True") => MemoryPressure,
                ("DiskPressure", "True") => DiskPressure,
                ("PIDPressure", "True") => PidPressure,
                ("NetworkUnavailable", "True") => NetworkUnavailable,
                _ => null,
            };
            if (key is not null)
            {
                wanted.Add(key);
            }
        }

        if (node.Spec?.Unschedulable == true)
        {
            wanted.Add(Unschedulable);
        }

        return wanted;
    }

    /// <summary>The node's taints with <paramref name="remove"/> (key+effect) dropped and <paramref name="add"/> added where missing.</summary>
    public static List<V1Taint> Swap(V1Node node, IEnumerable<V1Taint> add, IEnumerable<(string Key, string Effect)> remove)
    {
        var removeSet = remove.ToHashSet();
        var result = (node.Spec?.Taints ?? []).Where(t => !removeSet.Contains((t.Key, t.Effect))).ToList();
        foreach (var t in add)
        {
            if (!result.Any(r => r.Key == t.Key && r.Effect == t.Effect))
            {
                result.Add(t);
            }
        }

        return result;
    }
}
