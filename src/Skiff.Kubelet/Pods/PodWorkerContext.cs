using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Kubelet.Env;
using Skiff.Kubelet.Host;
using Skiff.Kubelet.Images;
using Skiff.Kubelet.Node;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Pods;

/// <summary>What every pod worker of one agent shares: the runtime, the API, the seams (volumes, env, probes) and settings.</summary>
internal sealed record PodWorkerContext
{
    public required NodeAgentOptions Options { get; init; }

    public required AgentPaths Paths { get; init; }

    public required IContainerRuntime Runtime { get; init; }

    public required IResourceClient<V1Pod> Pods { get; init; }

    public required ImagePuller Images { get; init; }

    public required IPodVolumes Volumes { get; init; }

    public required EnvResolver Env { get; init; }

    public required IContainerProbes Probes { get; init; }

    public required LifecycleHooks Hooks { get; init; }

    public required MachineInfo Machine { get; init; }

    /// <summary>The node's allocatable resources (for resourceFieldRef limits a container does not set).</summary>
    public IDictionary<string, ResourceQuantity>? NodeAllocatable { get; init; }

    /// <summary>Service environment variables of a namespace (enableServiceLinks); null disables them.</summary>
    public Func<string, bool?, CancellationToken, Task<IReadOnlyDictionary<string, string>>>? ServiceEnv { get; init; }

    /// <summary>Admission of a pod new to the node (the eviction manager's, under node pressure): a rejection message, or null to admit.</summary>
    public Func<V1Pod, string?>? Admit { get; init; }

    /// <summary>Where the pod events kubelet emits go (Pulling, Pulled, Created, Started, Killing, BackOff, FailedMount, ...); null: none.</summary>
    public Skiff.Client.Events.IEventRecorder? Events { get; init; }

    /// <summary>Limits the pod sandboxes started at once (<see cref="PodStartGate"/>); null starts them all at once.</summary>
    public PodStartGate? StartGate { get; init; }

    public required TimeProvider Time { get; init; }

    public required ILogger Logger { get; init; }
}
