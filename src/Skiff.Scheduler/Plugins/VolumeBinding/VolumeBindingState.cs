using System.Collections.Concurrent;
using k8s.Models;

namespace Skiff.Scheduler.Plugins.VolumeBinding;

/// <summary>What VolumeBinding's PreFilter found for a pod's claims, and the per-node decisions Filter made.</summary>
internal sealed class VolumeBindingState
{
    /// <summary>Claims already bound to a volume (spec.volumeName set).</summary>
    public List<V1PersistentVolumeClaim> Bound { get; } = [];

    /// <summary>Unbound claims of WaitForFirstConsumer classes: bound or provisioned for the chosen node.</summary>
    public List<V1PersistentVolumeClaim> ToBind { get; } = [];

    /// <summary>For each node that passed Filter: which volume each claim gets, or which claims are provisioned there.</summary>
    public ConcurrentDictionary<string, NodeVolumes> ByNode { get; } = new(StringComparer.Ordinal);

    /// <summary>What Reserve chose; PreBind carries it out.</summary>
    public NodeVolumes? Reserved { get; set; }
}

/// <summary>The volume plan for one node: static bindings (claim to an existing volume) and claims to provision.</summary>
internal sealed record NodeVolumes(IReadOnlyList<(V1PersistentVolumeClaim Claim, V1PersistentVolume Volume)> Static, IReadOnlyList<(V1PersistentVolumeClaim Claim, string Provisioner)> Provision);
