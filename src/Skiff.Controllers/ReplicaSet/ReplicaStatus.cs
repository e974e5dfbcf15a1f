namespace Skiff.Controllers.ReplicaSet;

/// <summary>The status fields ReplicaSets and ReplicationControllers share; <see cref="FailureReason"/> set means a ReplicaFailure condition.</summary>
internal sealed record ReplicaStatus(int Replicas, int FullyLabeledReplicas, int ReadyReplicas, int AvailableReplicas, long ObservedGeneration, string? FailureReason = null, string? FailureMessage = null);
