namespace Skiff.Scheduler.Framework;

/// <summary>
/// Ranks a feasible node from 0 to <see cref="MaxScore"/> (after <see cref="NormalizeScores"/>); the framework
/// multiplies by the plugin's weight and sums. Score is called concurrently for different nodes.
/// </summary>
internal interface IScorePlugin : ISchedulerPlugin
{
    /// <summary>kube-scheduler's framework.MaxNodeScore.</summary>
    const long MaxScore = 100;

    long Score(CycleState state, PodInfo pod, NodeInfo node);

    /// <summary>Rescales raw scores into 0..MaxScore (kube-scheduler's ScoreExtensions.NormalizeScore); default: none.</summary>
    void NormalizeScores(CycleState state, PodInfo pod, Span<long> scores)
    {
    }
}
