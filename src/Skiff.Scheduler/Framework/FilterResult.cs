namespace Skiff.Scheduler.Framework;

/// <summary>
/// The nodes that passed Filter, and why the others did not (kube-scheduler's Diagnosis): every evaluated
/// node that failed has a status; a PreFilter rejection applies to all nodes at once.
/// </summary>
internal sealed class FilterResult
{
    public List<NodeInfo> Feasible { get; } = [];

    public Dictionary<string, Status> NodeStatuses { get; } = new(StringComparer.Ordinal);

    /// <summary>Set when PreFilter rejected the pod; then no node was evaluated.</summary>
    public Status? PreFilterStatus { get; set; }

    /// <summary>Plugins that rejected the pod on some node, or in PreFilter.</summary>
    public HashSet<string> RejectingPlugins { get; } = new(StringComparer.Ordinal);
}
