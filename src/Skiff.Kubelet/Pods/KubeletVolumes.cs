using k8s.Models;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Volumes;

namespace Skiff.Kubelet.Pods;

/// <summary><see cref="IPodVolumes"/> over the Volumes library's <see cref="VolumeManager"/>, each pod in <c>DATA/agent/pod-data/UID</c> (kubelet's /var/lib/kubelet/pods/UID).</summary>
internal sealed class KubeletVolumes(VolumeManager manager, string podsDataDirectory) : IPodVolumes
{
    public async Task<IReadOnlyList<Mount>> MountsAsync(V1Pod pod, V1Container container, IReadOnlyDictionary<string, string> env, IDictionary<string, ResourceQuantity>? nodeAllocatable, CancellationToken cancellationToken)
    {
        var podDir = PodDir(pod.Metadata.Uid);
        Directory.CreateDirectory(podDir);
        var volumes = await manager.SetUpAsync(new VolumeRequest { Pod = pod, PodDir = podDir, NodeAllocatable = nodeAllocatable }, cancellationToken).ConfigureAwait(false);
        return manager.PrepareMounts(container, volumes, env).Select(m => new Mount
        {
            ContainerPath = m.ContainerPath,
            HostPath = m.HostPath,
            Readonly = m.ReadOnly,
            Propagation = (Cri.V1.MountPropagation)(int)m.Propagation,
        }).ToList();
    }

    public async Task RefreshAsync(V1Pod pod, IDictionary<string, ResourceQuantity>? nodeAllocatable, CancellationToken cancellationToken)
    {
        var podDir = PodDir(pod.Metadata.Uid);
        if (Directory.Exists(podDir))
        {
            await manager.SetUpAsync(new VolumeRequest { Pod = pod, PodDir = podDir, NodeAllocatable = nodeAllocatable }, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task TearDownAsync(string podUid, CancellationToken cancellationToken)
    {
        var podDir = PodDir(podUid);
        if (!Directory.Exists(podDir))
        {
            return;
        }

        await manager.TearDownAsync(podDir, cancellationToken).ConfigureAwait(false);
        Directory.Delete(podDir, recursive: true);
    }

    private string PodDir(string uid) => Path.Combine(podsDataDirectory, uid);
}
