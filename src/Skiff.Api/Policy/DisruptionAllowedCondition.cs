using k8s.Models;

namespace Skiff.Api.Policy;

/// <summary>
/// A PodDisruptionBudget's DisruptionAllowed condition, shared by the eviction subresource and the disruption
/// controller as Kubernetes' pdb helper (UpdateDisruptionAllowedCondition) is: True/SufficientPods while disruptions
/// are allowed, False/InsufficientPods otherwise, or False/SyncFailed when the controller cannot compute the budget.
/// </summary>
public static class DisruptionAllowedCondition
{
    public const string Type = "DisruptionAllowed";

    /// <summary>Sets the condition from status.disruptionsAllowed.</summary>
    public static void Update(V1PodDisruptionBudget pdb, DateTime now)
    {
        var allowed = pdb.Status?.DisruptionsAllowed > 0;
        Set(pdb, allowed ? "True" : "False", allowed ? "SufficientPods" : "InsufficientPods", string.Empty, now);
    }

    /// <summary>Sets the condition; its transition time moves only when its status changes.</summary>
    public static void Set(V1PodDisruptionBudget pdb, string status, string reason, string message, DateTime now)
    {
        pdb.Status ??= new V1PodDisruptionBudgetStatus();
        var conditions = pdb.Status.Conditions ??= [];
        var c = conditions.FirstOrDefault(x => x.Type == Type);
        if (c is null)
        {
            conditions.Add(c = new V1Condition { Type = Type, LastTransitionTime = now });
        }
        else if (c.Status != status)
        {
            c.LastTransitionTime = now;
        }

        c.Status = status;
        c.Reason = reason;
        c.Message = message;
        c.ObservedGeneration = pdb.Metadata?.Generation;
    }
}
