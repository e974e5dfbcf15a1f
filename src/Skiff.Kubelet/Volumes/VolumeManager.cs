using System.Collections.Concurrent;
using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Kubelet.Env;

namespace Skiff.Kubelet.Volumes;

/// <summary>
/// Prepares a pod's volumes under <c>&lt;podDir&gt;/volumes/&lt;plugin&gt;/&lt;volume&gt;</c> (the kubelet's layout), gives each
/// container its CRI mounts, and removes it all when the pod goes:
/// emptyDir (a directory, mode 0777; medium Memory → a tmpfs sized by sizeLimit, capped by the pod's memory limit and
/// the node's allocatable memory), hostPath (type checked), configMap, secret, downwardAPI and projected (files written
/// with <see cref="AtomicWriter"/>; secret and projected on tmpfs), persistentVolumeClaim and generic ephemeral volumes
/// bound to hostPath or local PersistentVolumes.
/// </summary>
/// <remarks>
/// Thread-safe; calls for one pod directory are serialized. <see cref="SetUpAsync"/> is idempotent and is the re-sync:
/// calling it again rewrites configMap, secret, downwardAPI and projected contents that changed (atomically), so the
/// core calls it on every pod sync (the kubelet re-syncs about every minute).
/// </remarks>
internal sealed partial class VolumeManager
{
    private readonly IKubeletObjectSource _objects;
    private readonly IMounter _mounter;
    private readonly AtomicWriter _writer;
    private readonly VolumePayloads _payloads;
    private readonly VolumeOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _podLocks = new(StringComparer.Ordinal);

    public VolumeManager(IKubeletObjectSource objects, ITokenSource tokens, IMounter mounter, TimeProvider time, ILogger<VolumeManager> logger, VolumeOptions? options = null)
    {
        _objects = objects;
        _mounter = mounter;
        _writer = new AtomicWriter(time);
        _payloads = new VolumePayloads(objects, tokens);
        _options = options ?? new VolumeOptions();
        _logger = logger;
    }

    /// <summary>
    /// Sets up (or re-syncs) every volume of the pod. Every volume is attempted; if any failed, the first failure is
    /// thrown after the others are done.
    /// </summary>
    /// <exception cref="VolumeSetupException">a volume could not be set up (the message is the FailedMount event text).</exception>
    public async Task<PodVolumes> SetUpAsync(VolumeRequest request, CancellationToken cancellationToken)
    {
        var gate = _podLocks.GetOrAdd(request.PodDir, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var prepared = new Dictionary<string, PreparedVolume>(StringComparer.Ordinal);
            VolumeSetupException? first = null;
            foreach (var volume in request.Pod.Spec?.Volumes ?? [])
            {
                try
                {
                    prepared[volume.Name] = await SetUpVolumeAsync(request, volume, cancellationToken).ConfigureAwait(false);
                }
                catch (VolumeSetupException ex)
                {
                    Log.SetUpFailed(_logger, request.Pod.Metadata?.NamespaceProperty, request.Pod.Metadata?.Name, ex.Message);
                    first ??= ex;
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
                {
                    var wrapped = new VolumeSetupException(volume.Name, ex.Message);
                    Log.SetUpFailed(_logger, request.Pod.Metadata?.NamespaceProperty, request.Pod.Metadata?.Name, wrapped.Message);
                    first ??= wrapped;
                }
            }

            if (first is not null)
            {
                throw first;
            }

            return new PodVolumes(request.PodDir, prepared);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// The CRI mounts of <paramref name="container"/> for the runtime: each volumeMount with its subPath (or
    /// subPathExpr, expanded against the container's resolved <paramref name="env"/>) checked inside the volume and
    /// pinned with a bind mount under <c>&lt;podDir&gt;/volume-subpaths</c> (<see cref="SubPathPinner"/>), so the runtime
    /// mounts exactly what was checked. Call it each time the container is (re)created.
    /// </summary>
    /// <exception cref="CreateContainerConfigException">a mount names no prepared volume, a subPath is invalid or escapes, or a propagation is not allowed.</exception>
    public IReadOnlyList<ContainerMount> PrepareMounts(V1Container container, PodVolumes volumes, IReadOnlyDictionary<string, string> env)
    {
        var pinner = new SubPathPinner(_mounter);
        return BuildMounts(container, volumes, env, (volume, subPath, mount, index) =>
            pinner.Pin(volumes.PodDir, volume.HostPath, subPath, mount.Name, container.Name, index));
    }

    /// <summary>
    /// The CRI mounts of <paramref name="container"/> with subPaths checked and resolved to their real paths but not
    /// pinned (no mounts are made): for the simulated runtime and for tests. The real runtime path is
    /// <see cref="PrepareMounts"/>.
    /// </summary>
    /// <exception cref="CreateContainerConfigException">a mount names no prepared volume, a subPath is invalid or escapes, or a propagation is not allowed.</exception>
    public static IReadOnlyList<ContainerMount> MountsFor(V1Container container, PodVolumes volumes, IReadOnlyDictionary<string, string> env) =>
        BuildMounts(container, volumes, env, (volume, subPath, mount, _) => SubPathResolver.Resolve(volume.HostPath, subPath, mount.Name, container.Name));

    private static List<ContainerMount> BuildMounts(V1Container container, PodVolumes volumes, IReadOnlyDictionary<string, string> env,
        Func<PreparedVolume, string, V1VolumeMount, int, string> resolveSubPath)
    {
        var mounts = new List<ContainerMount>();
        var mountList = container.VolumeMounts ?? [];
        for (var index = 0; index < mountList.Count; index++)
        {
            var vm = mountList[index];
            if (!volumes.Volumes.TryGetValue(vm.Name, out var volume))
            {
                throw new CreateContainerConfigException($"cannot find volume \"{vm.Name}\" to mount into container \"{container.Name}\"");
            }

            var subPath = vm.SubPath;
            if (!string.IsNullOrEmpty(vm.SubPathExpr))
            {
                subPath = EnvExpansion.ExpandSubPathExpr(vm.SubPathExpr, env);
            }

            var privileged = container.SecurityContext?.Privileged == true;
            var propagation = vm.MountPropagation switch
            {
                null or "" or "None" => MountPropagation.Private,
                "HostToContainer" => MountPropagation.HostToContainer,
                "Bidirectional" when privileged => MountPropagation.Bidirectional,
                "Bidirectional" => throw new CreateContainerConfigException("Bidirectional mount propagation is available only to privileged containers"),
                var other => throw new CreateContainerConfigException($"invalid MountPropagation mode: \"{other}\""),
            };
            var hostPath = string.IsNullOrEmpty(subPath) ? volume.HostPath : resolveSubPath(volume, subPath, vm, index);
            mounts.Add(new ContainerMount(vm.Name, hostPath, vm.MountPath, vm.ReadOnlyProperty == true || volume.ReadOnly, propagation));
        }

        return mounts;
    }

    /// <summary>
    /// Removes the pod's volumes: unmounts every mount under <c>&lt;podDir&gt;/volume-subpaths</c> and
    /// <c>&lt;podDir&gt;/volumes</c> and deletes those directories (hostPath and PersistentVolume data are never touched).
    /// Refuses to delete anything while a mount remains. Idempotent. The core removes the rest of the pod directory
    /// afterwards, once the pod's containers are gone.
    /// </summary>
    public async Task TearDownAsync(string podDir, CancellationToken cancellationToken)
    {
        var gate = _podLocks.GetOrAdd(podDir, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Subpath pins first: they are bind mounts of volume contents.
            foreach (var dir in new[] { SubPathPinner.SubPathsDir(podDir), Path.Combine(podDir, "volumes") })
            {
                if (!Directory.Exists(dir))
                {
                    continue;
                }

                foreach (var mountPoint in _mounter.MountPointsUnder(dir))
                {
                    _mounter.Unmount(mountPoint);
                }

                var left = _mounter.MountPointsUnder(dir);
                if (left.Count > 0)
                {
                    throw new IOException($"cannot remove {dir}: still mounted: {string.Join(", ", left)}");
                }

                // Directory.Delete removes symlinks without following them, so links into ..data (or anywhere) are safe.
                Directory.Delete(dir, recursive: true);
            }

            Log.TornDown(_logger, podDir);
        }
        finally
        {
            gate.Release();
            _podLocks.TryRemove(podDir, out _);
        }
    }

    /// <summary>Bytes used under <paramref name="path"/> (files' sizes, symlinks not followed).</summary>
    public static long MeasureUsage(string path)
    {
        if (!Directory.Exists(path))
        {
            return 0;
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };
        return new DirectoryInfo(path).EnumerateFiles("*", options).Sum(f => f.Length);
    }

    private async Task<PreparedVolume> SetUpVolumeAsync(VolumeRequest request, V1Volume volume, CancellationToken ct)
    {
        var pod = request.Pod;
        var name = volume.Name;
        if (volume.EmptyDir is { } emptyDir)
        {
            var dir = VolumePlugins.VolumeDir(request.PodDir, VolumePlugins.EmptyDir, name);
            var limit = emptyDir.SizeLimit is { } q && q.ToDecimal() > 0 ? (long?)(long)Math.Ceiling(q.ToDecimal()) : null;
            switch (emptyDir.Medium ?? "")
            {
                case "":
                    CreateDir(dir, 0x1FF); // 0777
                    Own(pod, dir, readOnly: false);
                    return new PreparedVolume(name, VolumePlugins.EmptyDir, dir, false, false, limit, emptyDir.SizeLimit?.ToString());
                case "Memory":
                    var size = MemorySize(pod, limit, request.NodeAllocatable);
                    CreateDir(dir, 0x1FF);
                    EnsureTmpfs(name, dir, size);
                    UnixFile.SetMode(dir, 0x1FF);
                    Own(pod, dir, readOnly: false);
                    return new PreparedVolume(name, VolumePlugins.EmptyDir, dir, false, true, size, emptyDir.SizeLimit?.ToString());
                default:
                    throw new VolumeSetupException(name, $"emptyDir medium {emptyDir.Medium} is not supported on this node");
            }
        }

        if (volume.HostPath is { } hostPath)
        {
            if (HostPathTypeChecker.Check(hostPath.Path, hostPath.Type) is { } cause)
            {
                throw new VolumeSetupException(name, cause);
            }

            return new PreparedVolume(name, VolumePlugins.HostPath, hostPath.Path, false, false);
        }

        if (volume.ConfigMap is { } configMap)
        {
            var dir = VolumePlugins.VolumeDir(request.PodDir, VolumePlugins.ConfigMap, name);
            var payload = await _payloads.ConfigMapAsync(name, pod, configMap, ct).ConfigureAwait(false);
            CreateDir(dir, 0x1FF);
            Write(pod, name, dir, payload);
            Own(pod, dir, readOnly: true);
            return new PreparedVolume(name, VolumePlugins.ConfigMap, dir, true, false);
        }

        if (volume.Secret is { } secret)
        {
            var dir = VolumePlugins.VolumeDir(request.PodDir, VolumePlugins.Secret, name);
            var payload = await _payloads.SecretAsync(name, pod, secret, ct).ConfigureAwait(false);
            var tmpfs = PrepareApiDataDir(name, dir);
            Write(pod, name, dir, payload);
            Own(pod, dir, readOnly: true);
            return new PreparedVolume(name, VolumePlugins.Secret, dir, true, tmpfs);
        }

        if (volume.DownwardAPI is { } downward)
        {
            var dir = VolumePlugins.VolumeDir(request.PodDir, VolumePlugins.DownwardApi, name);
            var payload = VolumePayloads.DownwardApi(name, pod, downward, request.NodeAllocatable);
            CreateDir(dir, 0x1FF);
            Write(pod, name, dir, payload);
            Own(pod, dir, readOnly: true);
            return new PreparedVolume(name, VolumePlugins.DownwardApi, dir, true, false);
        }

        if (volume.Projected is { } projected)
        {
            var dir = VolumePlugins.VolumeDir(request.PodDir, VolumePlugins.Projected, name);
            var payload = await _payloads.ProjectedAsync(name, pod, projected, request.NodeAllocatable, ct).ConfigureAwait(false);
            var tmpfs = PrepareApiDataDir(name, dir);
            Write(pod, name, dir, payload);
            Own(pod, dir, readOnly: true);
            return new PreparedVolume(name, VolumePlugins.Projected, dir, true, tmpfs);
        }

        if (volume.PersistentVolumeClaim is { } claim)
        {
            return await ClaimAsync(pod, name, claim.ClaimName, claim.ReadOnlyProperty == true, ephemeral: false, ct).ConfigureAwait(false);
        }

        if (volume.Ephemeral is not null)
        {
            // A generic ephemeral volume is the PVC "<pod>-<volume>" the ephemeral volume controller creates.
            return await ClaimAsync(pod, name, $"{pod.Metadata?.Name}-{name}", false, ephemeral: true, ct).ConfigureAwait(false);
        }

        throw new VolumeSetupException(name, "no volume plugin matched: this node supports emptyDir, hostPath, configMap, secret, downwardAPI, projected, persistentVolumeClaim and ephemeral volumes");
    }

    private async Task<PreparedVolume> ClaimAsync(V1Pod pod, string name, string claimName, bool readOnly, bool ephemeral, CancellationToken ct)
    {
        var ns = pod.Metadata?.NamespaceProperty ?? "default";
        var pvc = await _objects.GetPersistentVolumeClaimAsync(ns, claimName, ct).ConfigureAwait(false)
            ?? throw new VolumeSetupException(name, $"error processing PVC {ns}/{claimName}: failed to fetch PVC from API server: persistentvolumeclaims \"{claimName}\" not found");
        if (ephemeral && pvc.Metadata?.OwnerReferences?.Any(o => o.Controller == true && o.Uid == pod.Metadata?.Uid) != true)
        {
            throw new VolumeSetupException(name, $"error processing PVC {ns}/{claimName}: PVC {ns}/{claimName} was not created for pod {ns}/{pod.Metadata?.Name} (pod is not owner)");
        }

        if (pvc.Metadata?.DeletionTimestamp is not null)
        {
            throw new VolumeSetupException(name, $"error processing PVC {ns}/{claimName}: PVC is being deleted");
        }

        var phase = pvc.Status?.Phase ?? "";
        var pvName = pvc.Spec?.VolumeName ?? "";
        if (phase != "Bound" || pvName.Length == 0)
        {
            throw new VolumeSetupException(name, $"error processing PVC {ns}/{claimName}: PVC {ns}/{claimName} has non-bound phase (\"{phase}\") or empty pvc.Spec.VolumeName (\"{pvName}\")");
        }

        var pv = await _objects.GetPersistentVolumeAsync(pvName, ct).ConfigureAwait(false)
            ?? throw new VolumeSetupException(name, $"error processing PVC {ns}/{claimName}: failed to fetch PV {pvName} from API server: persistentvolumes \"{pvName}\" not found");
        if (pv.Spec?.ClaimRef is { } claimRef && (claimRef.Name != claimName || claimRef.NamespaceProperty != ns || (claimRef.Uid is { Length: > 0 } uid && uid != pvc.Metadata?.Uid)))
        {
            throw new VolumeSetupException(name, $"error processing PVC {ns}/{claimName}: found PV object \"{pvName}\" but its Spec.ClaimRef does not point to PVC \"{ns}/{claimName}\"");
        }

        if (pv.Spec?.HostPath is { } hostPath)
        {
            if (HostPathTypeChecker.Check(hostPath.Path, hostPath.Type) is { } cause)
            {
                throw new VolumeSetupException(name, cause);
            }

            return new PreparedVolume(name, VolumePlugins.HostPath, hostPath.Path, readOnly, false);
        }

        if (pv.Spec?.Local is { } local)
        {
            if (!Directory.Exists(local.Path) && !File.Exists(local.Path))
            {
                throw new VolumeSetupException(name, $"path \"{local.Path}\" does not exist");
            }

            if (Directory.Exists(local.Path) && !readOnly)
            {
                // Local volumes take part in fsGroup ownership; hostPath volumes do not.
                Own(pod, local.Path, readOnly: false);
            }

            return new PreparedVolume(name, VolumePlugins.LocalVolume, local.Path, readOnly, false);
        }

        throw new VolumeSetupException(name, $"PersistentVolume \"{pvName}\" is not a hostPath or local volume; this node mounts only those");
    }

    // secret and projected volumes: a tmpfs (when enabled) so secrets never touch the disk.
    private bool PrepareApiDataDir(string name, string dir)
    {
        CreateDir(dir, 0x1FF);
        if (!_options.SecretsOnTmpfs)
        {
            return false;
        }

        EnsureTmpfs(name, dir, null);
        UnixFile.SetMode(dir, 0x1FF);
        return true;
    }

    private void EnsureTmpfs(string name, string dir, long? size)
    {
        if (_mounter.IsMountPoint(dir))
        {
            return;
        }

        try
        {
            _mounter.MountTmpfs(dir, size);
        }
        catch (IOException ex)
        {
            throw new VolumeSetupException(name, ex.Message);
        }
    }

    private void Write(V1Pod pod, string name, string dir, IReadOnlyDictionary<string, FileProjection> payload)
    {
        try
        {
            if (_writer.Write(dir, payload))
            {
                Log.Updated(_logger, name, pod.Metadata?.NamespaceProperty, pod.Metadata?.Name, payload.Count);
            }
        }
        catch (ArgumentException ex)
        {
            throw new VolumeSetupException(name, ex.Message);
        }
    }

    private static void Own(V1Pod pod, string dir, bool readOnly) =>
        VolumeOwnership.Apply(dir, pod.Spec?.SecurityContext?.FsGroup, readOnly, pod.Spec?.SecurityContext?.FsGroupChangePolicy);

    private static void CreateDir(string dir, int mode)
    {
        if (!Directory.Exists(dir))
        {
            Directory.CreateDirectory(dir);
            UnixFile.SetMode(dir, mode);
        }
    }

    /// <summary>
    /// The tmpfs size of a memory-backed emptyDir (the kubelet's calculateEmptyDirMemorySize): the node's allocatable
    /// memory, lowered to the pod's memory limit when every container has one, lowered to sizeLimit when that is smaller.
    /// </summary>
    internal static long? MemorySize(V1Pod pod, long? sizeLimit, IDictionary<string, ResourceQuantity>? allocatable)
    {
        long? size = allocatable is not null && allocatable.TryGetValue("memory", out var m) ? (long)m.ToDecimal() : null;
        var containers = pod.Spec?.Containers ?? [];
        if (containers.Count > 0 && containers.All(c => c.Resources?.Limits?.ContainsKey("memory") == true))
        {
            var sum = containers.Sum(c => (long)c.Resources.Limits["memory"].ToDecimal());
            foreach (var init in pod.Spec?.InitContainers ?? [])
            {
                if (init.Resources?.Limits?.TryGetValue("memory", out var l) == true)
                {
                    sum = Math.Max(sum, (long)l.ToDecimal());
                }
            }

            if (sum > 0 && (size is null || sum <= size))
            {
                size = sum;
            }
        }

        if (sizeLimit is > 0 && (size is null || sizeLimit <= size))
        {
            size = sizeLimit;
        }

        return size;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "VolumeSetUpFailed", Level = LogLevel.Warning, Message = "Pod {Namespace}/{Pod}: {Message}")]
        public static partial void SetUpFailed(ILogger logger, string? @namespace, string? pod, string message);

        [LoggerMessage(EventId = 2, EventName = "VolumeUpdated", Level = LogLevel.Debug, Message = "Wrote {Count} files of volume {Volume} of pod {Namespace}/{Pod}")]
        public static partial void Updated(ILogger logger, string volume, string? @namespace, string? pod, int count);

        [LoggerMessage(EventId = 3, EventName = "VolumesTornDown", Level = LogLevel.Debug, Message = "Removed the volumes of {PodDir}")]
        public static partial void TornDown(ILogger logger, string podDir);
    }
}
