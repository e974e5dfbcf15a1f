using k8s.Models;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Pods;

namespace Skiff.Kubelet.Simulation;

/// <summary>Volumes of simulated pods: nothing is mounted (there is no container to see it), as with KWOK.</summary>
internal sealed class SimulatedVolumes : IPodVolumes
{
    public Task<IReadOnlyList<Mount>> MountsAsync(V1Pod pod, V1Container container, IReadOnlyDictionary<string, string> env, IDictionary<string, ResourceQuantity>? nodeAllocatable, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<Mount>>([]);

    public Task TearDownAsync(string podUid, CancellationToken cancellationToken) => Task.CompletedTask;
}
