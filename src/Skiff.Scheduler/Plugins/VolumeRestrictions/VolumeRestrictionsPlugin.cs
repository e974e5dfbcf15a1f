using k8s.Models;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins.VolumeBinding;

namespace Skiff.Scheduler.Plugins.VolumeRestrictions;

/// <summary>
/// kube-scheduler's VolumeRestrictions plugin, the basics: a claim with the ReadWriteOncePod access mode already
/// used by another scheduled pod makes the pod unschedulable everywhere (preemption may free it), and inline
/// GCE PD / AWS EBS disks cannot be mounted twice on one node unless every use is read-only
/// ("node(s) had no available disk").
/// </summary>
internal sealed class VolumeRestrictionsPlugin(SchedulerListers listers) : IPreFilterPlugin, IFilterPlugin, IEnqueueExtensions
{
    public const string PluginName = "VolumeRestrictions";

    public const string ErrDiskConflict = "node(s) had no available disk";
    public const string ErrReadWriteOncePodConflict = "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode";

    private const string StateKey = "PreFilter" + PluginName;

    public string Name => PluginName;

    public ClusterEvent EventsToRegister => ClusterEvent.AssignedPodDelete | ClusterEvent.ClaimChange | ClusterEvent.NodeAdd;

    public Status PreFilter(CycleState state, PodInfo pod, Snapshot snapshot)
    {
        var hasDisks = pod.Pod.Spec.Volumes?.Any(v => v.GcePersistentDisk is not null || v.AwsElasticBlockStore is not null) == true;
        var ns = pod.Pod.Metadata.NamespaceProperty;
        HashSet<string>? exclusive = null;
        foreach (var (name, _) in VolumeBindingPlugin.ClaimNames(pod.Pod))
        {
            if (listers.Claims.Get(ns, name) is { } claim && claim.Spec?.AccessModes?.Contains("ReadWriteOncePod") == true)
            {
                (exclusive ??= new HashSet<string>(StringComparer.Ordinal)).Add(name);
            }
        }

        if (exclusive is null && !hasDisks)
        {
            return Status.Skipped;
        }

        var conflicts = 0;
        if (exclusive is not null)
        {
            foreach (var (other, _) in snapshot.AllPods())
            {
                if (other.Uid != pod.Uid && other.Pod.Metadata.NamespaceProperty == ns
                    && VolumeBindingPlugin.ClaimNames(other.Pod).Any(c => exclusive.Contains(c.Claim)))
                {
                    conflicts++;
                }
            }
        }

        state.Write(StateKey, new RestrictionsState(conflicts, hasDisks));
        return Status.Ok;
    }

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        var s = state.Read<RestrictionsState>(StateKey);
        if (s is null)
        {
            return Status.Error("VolumeRestrictions: PreFilter state missing");
        }

        if (s.ReadWriteOncePodConflicts > 0)
        {
            return Status.Unschedulable(ErrReadWriteOncePodConflict);
        }

        if (s.HasDisks)
        {
            foreach (var v in pod.Pod.Spec.Volumes ?? [])
            {
                foreach (var existing in node.Pods)
                {
                    foreach (var ev in existing.Pod.Spec?.Volumes ?? [])
                    {
                        if (DisksConflict(v, ev))
                        {
                            return Status.Unschedulable(ErrDiskConflict);
                        }
                    }
                }
            }
        }

        return Status.Ok;
    }

    /// <summary>kube-scheduler's isVolumeConflict for the inline disk kinds Skiff knows.</summary>
    internal static bool DisksConflict(V1Volume a, V1Volume b)
    {
        if (a.GcePersistentDisk is { } ga && b.GcePersistentDisk is { } gb)
        {
            return ga.PdName == gb.PdName && !(ga.ReadOnlyProperty == true && gb.ReadOnlyProperty == true);
        }

        if (a.AwsElasticBlockStore is { } aa && b.AwsElasticBlockStore is { } ab)
        {
            return aa.VolumeID == ab.VolumeID;
        }

        return false;
    }

    private sealed record RestrictionsState(int ReadWriteOncePodConflicts, bool HasDisks);
}
