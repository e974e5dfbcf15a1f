namespace Skiff.Controllers.ReplicaSet;

/// <summary>Tuning of the replica controllers.</summary>
internal sealed class ReplicaSetControllerOptions
{
    /// <summary>Most pods one sync creates or deletes (kube-controller-manager's BurstReplicas).</summary>
    public int BurstReplicas { get; set; } = 500;
}
