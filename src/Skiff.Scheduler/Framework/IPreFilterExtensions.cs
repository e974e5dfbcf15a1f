namespace Skiff.Scheduler.Framework;

/// <summary>
/// Lets the framework adjust what a PreFilter computed when it evaluates a node with extra pods on it
/// (kube-scheduler's PreFilterExtensions.AddPod): nominated pods of equal or higher priority count on their node,
/// so they must also count in the per-domain tallies of InterPodAffinity and PodTopologySpread.
/// </summary>
internal interface IPreFilterExtensions : IPreFilterPlugin
{
    /// <summary>Updates the plugin's PreFilter state in <paramref name="state"/> as if <paramref name="podToAdd"/> ran on <paramref name="node"/>.</summary>
    Status AddPod(CycleState state, PodInfo podToSchedule, PodInfo podToAdd, NodeInfo node);
}

/// <summary>PreFilter state a plugin can copy, so the framework can change a copy for a hypothetical node (CycleState.Clone).</summary>
internal interface ICycleStateData
{
    ICycleStateData Clone();
}
