namespace Skiff.Scheduler.Framework;

/// <summary>The outcome of PostFilter: the node the pod was nominated to (after preempting), and the text appended to the failure message.</summary>
internal sealed record PostFilterResult(string? NominatedNodeName, string Message);
