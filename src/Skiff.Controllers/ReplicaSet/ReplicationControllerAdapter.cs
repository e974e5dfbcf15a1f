using k8s.Models;
using Skiff.Client.Api;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.ReplicaSet;

/// <summary>core/v1 ReplicationController for the replica controller: a map selector, otherwise the same fields.</summary>
internal sealed class ReplicationControllerAdapter : IReplicaOwnerAdapter<V1ReplicationController>
{
    public static readonly ReplicationControllerAdapter Instance = new();

    public ApiResource Resource => ApiResource.ReplicationControllers;

    public bool Selects(V1ReplicationController owner, IDictionary<string, string>? labels) => Selectors.MatchesMap(owner.Spec?.Selector, labels);

    public int Replicas(V1ReplicationController owner) => owner.Spec?.Replicas ?? 1;

    public int MinReadySeconds(V1ReplicationController owner) => owner.Spec?.MinReadySeconds ?? 0;

    public V1PodTemplateSpec? Template(V1ReplicationController owner) => owner.Spec?.Template;

    public ReplicaStatus Status(V1ReplicationController owner)
    {
        var s = owner.Status;
        var failure = s?.Conditions?.FirstOrDefault(c => c.Type == "ReplicaFailure" && c.Status == "True");
        return new ReplicaStatus(s?.Replicas ?? 0, s?.FullyLabeledReplicas ?? 0, s?.ReadyReplicas ?? 0, s?.AvailableReplicas ?? 0, s?.ObservedGeneration ?? 0, failure?.Reason, failure?.Message);
    }

    public V1ReplicationController WithStatus(V1ReplicationController owner, ReplicaStatus status, DateTime now)
    {
        var copy = Objects.Clone(owner);
        var old = copy.Status?.Conditions?.FirstOrDefault(c => c.Type == "ReplicaFailure");
        copy.Status = new V1ReplicationControllerStatus
        {
            Replicas = status.Replicas,
            FullyLabeledReplicas = status.FullyLabeledReplicas,
            ReadyReplicas = status.ReadyReplicas,
            AvailableReplicas = status.AvailableReplicas,
            ObservedGeneration = status.ObservedGeneration,
            Conditions = status.FailureReason is null
                ? null
                : [new V1ReplicationControllerCondition
                {
                    Type = "ReplicaFailure",
                    Status = "True",
                    Reason = status.FailureReason,
                    Message = status.FailureMessage,
                    LastTransitionTime = old?.Status == "True" ? old.LastTransitionTime : now,
                }],
        };
        return copy;
    }
}
