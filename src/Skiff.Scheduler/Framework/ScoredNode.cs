namespace Skiff.Scheduler.Framework;

/// <summary>A feasible node and its weighted total score.</summary>
internal readonly record struct ScoredNode(NodeInfo Node, long Score);
