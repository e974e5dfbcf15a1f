using System.Collections.Concurrent;
using k8s.Models;
using Skiff.Client.Api;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.VolumeBinding;

/// <summary>
/// kube-scheduler's VolumeBinding plugin. PreFilter sorts the pod's claims: a missing claim or an unbound claim
/// of an Immediate class makes the pod unschedulable ("pod has unbound immediate PersistentVolumeClaims"); a pod
/// without claims skips the plugin. Filter: a bound claim's volume must admit the node through its node affinity
/// ("node(s) had volume node affinity conflict"); an unbound WaitForFirstConsumer claim needs a free matching
/// volume that admits the node, or a class with a provisioner ("node(s) didn't find available persistent
/// volumes to bind"). Reserve assumes the chosen volumes so the next pod's cycle does not pick them again.
/// PreBind, in the binding cycle, sets the volumes' spec.claimRef (the PV controller completes the bind) or
/// annotates claims to provision with volume.kubernetes.io/selected-node, then waits until every claim is bound.
/// </summary>
internal sealed class VolumeBindingPlugin : IPreFilterPlugin, IFilterPlugin, IReservePlugin, IPreBindPlugin, IEnqueueExtensions
{
    public const string PluginName = "VolumeBinding";

    public const string ErrUnboundImmediate = "pod has unbound immediate PersistentVolumeClaims";
    public const string ErrBindConflict = "node(s) didn't find available persistent volumes to bind";
    public const string ErrNodeConflict = "node(s) had volume node affinity conflict";
    public const string ErrVolumeNotExist = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";

    public const string AnnSelectedNode = "volume.kubernetes.io/selected-node";
    public const string AnnStorageProvisioner = "volume.kubernetes.io/storage-provisioner";
    public const string AnnBetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner";
    public const string AnnBindCompleted = "pv.kubernetes.io/bind-completed";
    public const string AnnBoundByController = "pv.kubernetes.io/bound-by-controller";

    /// <summary>A class that never provisions (static local volumes).</summary>
    public const string NoProvisioner = "kubernetes.io/no-provisioner";

    private const string StateKey = "PreFilter" + PluginName;

    private readonly SchedulerListers _listers;
    private readonly IResourceClient<V1PersistentVolume>? _volumes;
    private readonly IResourceClient<V1PersistentVolumeClaim>? _claims;
    private readonly TimeProvider _time;

    // Volumes chosen by a reserved pod whose claimRef is not in the informer yet (kube-scheduler's assume cache), by volume name.
    private readonly ConcurrentDictionary<string, string> _assumed = new(StringComparer.Ordinal);

    public VolumeBindingPlugin(SchedulerListers listers, ApiConnection? connection, TimeProvider time, TimeSpan? bindTimeout = null)
    {
        _listers = listers;
        _volumes = connection?.For<V1PersistentVolume>(SchedulerResources.PersistentVolumes);
        _claims = connection?.For<V1PersistentVolumeClaim>(SchedulerResources.PersistentVolumeClaims);
        _time = time;
        BindTimeout = bindTimeout ?? TimeSpan.FromMinutes(10);
    }

    public string Name => PluginName;

    /// <summary>How long PreBind waits for the claims to become bound (kube-scheduler's bindTimeoutSeconds, 600).</summary>
    public TimeSpan BindTimeout { get; }

    public ClusterEvent EventsToRegister =>
        ClusterEvent.NodeAdd | ClusterEvent.NodeUpdate | ClusterEvent.ClaimChange | ClusterEvent.VolumeChange | ClusterEvent.StorageClassChange;

    /// <summary>The claim names a pod uses: persistentVolumeClaim volumes and generic ephemeral volumes (claim "pod-volume").</summary>
    public static IEnumerable<(string Claim, bool Ephemeral)> ClaimNames(V1Pod pod)
    {
        foreach (var v in pod.Spec?.Volumes ?? [])
        {
            if (v.PersistentVolumeClaim is { } pvc)
            {
                yield return (pvc.ClaimName, false);
            }
            else if (v.Ephemeral is not null)
            {
                yield return ($"{pod.Metadata.Name}-{v.Name}", true);
            }
        }
    }

    public Status PreFilter(CycleState state, PodInfo pod, Snapshot snapshot)
    {
        var ns = pod.Pod.Metadata.NamespaceProperty;
        VolumeBindingState? s = null;
        var immediateUnbound = false;
        foreach (var (name, ephemeral) in ClaimNames(pod.Pod))
        {
            s ??= new VolumeBindingState();
            var claim = _listers.Claims.Get(ns, name);
            if (claim is null)
            {
                return Status.Unresolvable(ephemeral
                    ? $"waiting for ephemeral volume controller to create the persistentvolumeclaim \"{name}\""
                    : $"persistentvolumeclaim \"{name}\" not found");
            }

            if (claim.Metadata.DeletionTimestamp is not null)
            {
                return Status.Unresolvable($"persistentvolumeclaim \"{name}\" is being deleted");
            }

            if (!string.IsNullOrEmpty(claim.Spec?.VolumeName))
            {
                s.Bound.Add(claim);
                continue;
            }

            var cls = VolumeMatching.ClassOf(claim);
            if (cls.Length == 0)
            {
                immediateUnbound = true;
                continue;
            }

            var storageClass = _listers.StorageClasses.Get(null, cls);
            if (storageClass is null)
            {
                return Status.Error($"storageclass.storage.k8s.io \"{cls}\" not found");
            }

            if (storageClass.VolumeBindingMode == "WaitForFirstConsumer")
            {
                s.ToBind.Add(claim);
            }
            else
            {
                immediateUnbound = true;
            }
        }

        if (s is null)
        {
            return Status.Skipped;
        }

        if (immediateUnbound)
        {
            return Status.Unresolvable(ErrUnboundImmediate);
        }

        state.Write(StateKey, s);
        return Status.Ok;
    }

    public Status Filter(CycleState state, PodInfo pod, NodeInfo node)
    {
        var s = state.Read<VolumeBindingState>(StateKey);
        if (s is null)
        {
            return Status.Error("VolumeBinding: PreFilter state missing");
        }

        List<string>? reasons = null;
        foreach (var claim in s.Bound)
        {
            var pv = _listers.Volumes.Get(null, claim.Spec.VolumeName);
            if (pv is null)
            {
                AddReason(ref reasons, ErrVolumeNotExist);
            }
            else if (!VolumeMatching.NodeAffinityFits(pv, node.Node))
            {
                AddReason(ref reasons, ErrNodeConflict);
            }
        }

        if (s.ToBind.Count > 0)
        {
            var plan = Plan(s.ToBind, node.Node);
            if (plan is null)
            {
                AddReason(ref reasons, ErrBindConflict);
            }
            else if (reasons is null)
            {
                s.ByNode[node.Name] = plan;
            }
        }

        return reasons is null ? Status.Ok : new Status(StatusCode.UnschedulableAndUnresolvable, reasons);
    }

    public Status Reserve(CycleState state, PodInfo pod, string nodeName)
    {
        var s = state.Read<VolumeBindingState>(StateKey);
        if (s is null || s.ToBind.Count == 0)
        {
            return Status.Ok;
        }

        if (!s.ByNode.TryGetValue(nodeName, out var plan))
        {
            return Status.Error($"VolumeBinding: no volume plan for node {nodeName}");
        }

        foreach (var (claim, volume) in plan.Static)
        {
            if (!_assumed.TryAdd(volume.Metadata.Name, VolumeMatching.Key(claim)) && _assumed[volume.Metadata.Name] != VolumeMatching.Key(claim))
            {
                Unassume(plan);
                return Status.Unschedulable($"persistentvolume \"{volume.Metadata.Name}\" was chosen for another claim");
            }
        }

        s.Reserved = plan;
        return Status.Ok;
    }

    public void Unreserve(CycleState state, PodInfo pod, string nodeName)
    {
        if (state.Read<VolumeBindingState>(StateKey)?.Reserved is { } plan)
        {
            Unassume(plan);
        }
    }

    public async Task<Status> PreBindAsync(CycleState state, PodInfo pod, string nodeName, CancellationToken cancellationToken)
    {
        var plan = state.Read<VolumeBindingState>(StateKey)?.Reserved;
        if (plan is null)
        {
            return Status.Ok;
        }

        if (_volumes is null || _claims is null)
        {
            return Status.Error("VolumeBinding: no API connection to bind volumes through");
        }

        try
        {
            foreach (var (claim, volume) in plan.Static)
            {
                await BindVolumeAsync(claim, volume, cancellationToken).ConfigureAwait(false);
            }

            foreach (var (claim, provisioner) in plan.Provision)
            {
                await SelectNodeAsync(claim, provisioner, nodeName, cancellationToken).ConfigureAwait(false);
            }

            return await WaitForBindingsAsync(plan, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex)
        {
            return Status.Error($"binding volumes: {ex.Message}");
        }
        finally
        {
            // The informer now shows (or will show) the claimRef; a failure un-reserves and releases them anyway.
            Unassume(plan);
        }
    }

    /// <summary>Finds a volume for each claim on the node, or a provisioner; null when a claim can get neither.</summary>
    internal NodeVolumes? Plan(IReadOnlyList<V1PersistentVolumeClaim> claims, V1Node node)
    {
        List<(V1PersistentVolumeClaim, V1PersistentVolume)>? chosen = null;
        List<(V1PersistentVolumeClaim, string)>? provision = null;
        List<V1PersistentVolume>? volumes = null;
        foreach (var claim in claims)
        {
            volumes ??= _listers.Volumes.List();
            var taken = chosen;
            var pv = VolumeMatching.Find(claim, volumes, node, v =>
                (_assumed.TryGetValue(v.Metadata.Name, out var by) && by != VolumeMatching.Key(claim))
                || (taken is not null && taken.Exists(c => c.Item2.Metadata.Name == v.Metadata.Name)));
            if (pv is not null)
            {
                (chosen ??= []).Add((claim, pv));
                continue;
            }

            var cls = _listers.StorageClasses.Get(null, VolumeMatching.ClassOf(claim));
            if (cls is null || string.IsNullOrEmpty(cls.Provisioner) || cls.Provisioner == NoProvisioner || !VolumeMatching.AllowedTopologyFits(cls, node))
            {
                return null;
            }

            (provision ??= []).Add((claim, cls.Provisioner));
        }

        return new NodeVolumes(chosen ?? [], provision ?? []);
    }

    private async Task BindVolumeAsync(V1PersistentVolumeClaim claim, V1PersistentVolume chosen, CancellationToken cancellationToken)
    {
        var pv = await _volumes!.GetAsync(null, chosen.Metadata.Name, cancellationToken).ConfigureAwait(false);
        if (VolumeMatching.ClaimRefIs(pv, claim))
        {
            return;
        }

        if (pv.Spec.ClaimRef is not null)
        {
            throw new ApiException(System.Net.HttpStatusCode.Conflict, null, $"persistentvolume \"{pv.Metadata.Name}\" is already bound to another claim");
        }

        // What kube-scheduler's binder writes: the claim reference and bound-by-controller; the PV controller finishes.
        pv.Spec.ClaimRef = new V1ObjectReference
        {
            Kind = "PersistentVolumeClaim",
            ApiVersion = "v1",
            NamespaceProperty = claim.Metadata.NamespaceProperty,
            Name = claim.Metadata.Name,
            Uid = claim.Metadata.Uid,
            ResourceVersion = claim.Metadata.ResourceVersion,
        };
        pv.Metadata.Annotations ??= new Dictionary<string, string>();
        pv.Metadata.Annotations[AnnBoundByController] = "yes";
        await _volumes.UpdateAsync(pv, cancellationToken).ConfigureAwait(false);
    }

    private async Task SelectNodeAsync(V1PersistentVolumeClaim claim, string provisioner, string nodeName, CancellationToken cancellationToken)
    {
        var annotations = claim.Metadata.Annotations;
        var patch = new Dictionary<string, string> { [AnnSelectedNode] = nodeName };
        if (annotations?.ContainsKey(AnnStorageProvisioner) != true)
        {
            patch[AnnStorageProvisioner] = provisioner;
        }

        if (annotations?.ContainsKey(AnnBetaStorageProvisioner) != true)
        {
            patch[AnnBetaStorageProvisioner] = provisioner;
        }

        var body = k8s.KubernetesJson.Serialize(new { metadata = new { annotations = patch } });
        await _claims!.PatchAsync(claim.Metadata.NamespaceProperty, claim.Metadata.Name, body, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until every claim of the plan is bound (spec.volumeName set and the bind completed), woken by claim and
    /// volume informer events, for at most <see cref="BindTimeout"/>. A provisioning claim that lost its
    /// selected-node annotation failed to provision (kube-scheduler's checkBindings does the same).
    /// </summary>
    private async Task<Status> WaitForBindingsAsync(NodeVolumes plan, CancellationToken cancellationToken)
    {
        var deadline = _time.GetUtcNow() + BindTimeout;
        while (true)
        {
            var changed = _listers.VolumesChanged;
            var pending = 0;
            foreach (var (claim, volume) in plan.Static)
            {
                var current = _listers.Claims.Get(claim.Metadata.NamespaceProperty, claim.Metadata.Name);
                if (current is null)
                {
                    return Status.Error($"persistentvolumeclaim \"{claim.Metadata.Name}\" was deleted");
                }

                if (!IsBound(current) || current.Spec.VolumeName != volume.Metadata.Name)
                {
                    pending++;
                }
            }

            foreach (var (claim, _) in plan.Provision)
            {
                var current = _listers.Claims.Get(claim.Metadata.NamespaceProperty, claim.Metadata.Name);
                if (current is null)
                {
                    return Status.Error($"persistentvolumeclaim \"{claim.Metadata.Name}\" was deleted");
                }

                if (IsBound(current))
                {
                    continue;
                }

                if (current.Metadata.Annotations?.ContainsKey(AnnSelectedNode) != true && current.Metadata.ResourceVersion != claim.Metadata.ResourceVersion)
                {
                    return Status.Error($"provisioning failed for PVC \"{claim.Metadata.Name}\"");
                }

                pending++;
            }

            if (pending == 0)
            {
                return Status.Ok;
            }

            var remaining = deadline - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return Status.Error($"binding volumes: timed out waiting for {pending} claim(s) to be bound");
            }

            await Task.WhenAny(changed, Task.Delay(remaining, _time, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private static bool IsBound(V1PersistentVolumeClaim claim) =>
        !string.IsNullOrEmpty(claim.Spec?.VolumeName)
        && (claim.Status?.Phase == "Bound" || claim.Metadata.Annotations?.ContainsKey(AnnBindCompleted) == true);

    private void Unassume(NodeVolumes plan)
    {
        foreach (var (claim, volume) in plan.Static)
        {
            _assumed.TryRemove(new KeyValuePair<string, string>(volume.Metadata.Name, VolumeMatching.Key(claim)));
        }
    }

    private static void AddReason(ref List<string>? reasons, string reason)
    {
        reasons ??= [];
        if (!reasons.Contains(reason))
        {
            reasons.Add(reason);
        }
    }
}
