using k8s;
using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Controllers.ReplicaSet;

/// <summary>
/// What the replica controller needs from its owner kind. kube-controller-manager runs the ReplicationController
/// manager as the ReplicaSet manager over a conversion; this adapter plays that conversion's part.
/// </summary>
internal interface IReplicaOwnerAdapter<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    ApiResource Resource { get; }

    /// <summary>Whether the owner's selector selects these labels (a null selector selects nothing).</summary>
    bool Selects(T owner, IDictionary<string, string>? labels);

    int Replicas(T owner);

    int MinReadySeconds(T owner);

    V1PodTemplateSpec? Template(T owner);

    ReplicaStatus Status(T owner);

    /// <summary>A copy of the owner carrying <paramref name="status"/>; the condition keeps its transition time when unchanged.</summary>
    T WithStatus(T owner, ReplicaStatus status, DateTime now);
}
