using k8s.Models;
using Skiff.Client.Api;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.ReplicaSet;

/// <summary>apps/v1 ReplicaSet for the replica controller.</summary>
internal sealed class ReplicaSetAdapter : IReplicaOwnerAdapter<V1ReplicaSet>
{
    public static readonly ReplicaSetAdapter Instance = new();

    public ApiResource Resource => ApiResource.ReplicaSets;

    public bool Selects(V1ReplicaSet owner, IDictionary<string, string>? labels) => Selectors.Matches(owner.Spec?.Selector, labels);

    public int Replicas(V1ReplicaSet owner) => owner.Spec?.Replicas ?? 1;

    public int MinReadySeconds(V1ReplicaSet owner) => owner.Spec?.MinReadySeconds ?? 0;

    public V1PodTemplateSpec? Template(V1ReplicaSet owner) => owner.Spec?.Template;

    public ReplicaStatus Status(V1ReplicaSet owner)
    {
        var s = owner.Status;
        var failure = s?.Conditions?.FirstOrDefault(c => c.Type == "ReplicaFailure" && c.Status == "True");
        return new ReplicaStatus(s?.Replicas ?? 0, s?.FullyLabeledReplicas ?? 0, s?.ReadyReplicas ?? 0, s?.AvailableReplicas ?? 0, s?.ObservedGeneration ?? 0, failure?.Reason, failure?.Message);
    }

    public V1ReplicaSet WithStatus(V1ReplicaSet owner, ReplicaStatus status, DateTime now)
    {
        var copy = Objects.Clone(owner);
        var old = copy.Status?.Conditions?.FirstOrDefault(c => c.Type == "ReplicaFailure");
        copy.Status = new V1ReplicaSetStatus
        {
            Replicas = status.Replicas,
            FullyLabeledReplicas = status.FullyLabeledReplicas,
            ReadyReplicas = status.ReadyReplicas,
            AvailableReplicas = status.AvailableReplicas,
            ObservedGeneration = status.ObservedGeneration,
            Conditions = status.FailureReason is null
                ? null
                : [new V1ReplicaSetCondition
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
