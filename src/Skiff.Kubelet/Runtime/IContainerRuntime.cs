using Skiff.Kubelet.Cri.V1;

namespace Skiff.Kubelet.Runtime;

/// <summary>
/// The container runtime as the node agent sees it: the CRI v1 runtime and image services, with CRI's messages as
/// the data types (as kubelet's internal cri-api interface does). The CRI client implements it over gRPC; a simulated
/// runtime for <c>skiff sim</c> can implement it in memory. Implementations are thread-safe; every call may throw
/// <see cref="RuntimeException"/> with the runtime's message.
/// </summary>
internal interface IContainerRuntime
{
    Task<VersionResponse> VersionAsync(CancellationToken cancellationToken);

    Task<StatusResponse> StatusAsync(CancellationToken cancellationToken);

    /// <summary>Creates and starts a pod sandbox (network namespace, pause container); returns its id.</summary>
    Task<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken cancellationToken);

    /// <summary>Stops a sandbox and tears down its network; idempotent.</summary>
    Task StopPodSandboxAsync(string sandboxId, CancellationToken cancellationToken);

    /// <summary>Removes a stopped sandbox and its containers; idempotent.</summary>
    Task RemovePodSandboxAsync(string sandboxId, CancellationToken cancellationToken);

    /// <summary>The sandbox's status, or null when the runtime no longer knows it.</summary>
    Task<PodSandboxStatus?> PodSandboxStatusAsync(string sandboxId, CancellationToken cancellationToken);

    Task<IReadOnlyList<PodSandbox>> ListPodSandboxesAsync(PodSandboxFilter? filter, CancellationToken cancellationToken);

    /// <summary>Creates a container in a sandbox; returns its id.</summary>
    Task<string> CreateContainerAsync(string sandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig, CancellationToken cancellationToken);

    Task StartContainerAsync(string containerId, CancellationToken cancellationToken);

    /// <summary>Sends the stop signal, waits up to <paramref name="timeoutSeconds"/>, then kills; idempotent.</summary>
    Task StopContainerAsync(string containerId, long timeoutSeconds, CancellationToken cancellationToken);

    Task RemoveContainerAsync(string containerId, CancellationToken cancellationToken);

    Task<IReadOnlyList<Container>> ListContainersAsync(ContainerFilter? filter, CancellationToken cancellationToken);

    /// <summary>The container's status, or null when the runtime no longer knows it.</summary>
    Task<ContainerStatus?> ContainerStatusAsync(string containerId, CancellationToken cancellationToken);

    Task<ExecSyncResponse> ExecSyncAsync(string containerId, IEnumerable<string> command, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Prepares a streaming exec (CRI Exec); returns the URL on the runtime's streaming server that serves it.</summary>
    Task<string> ExecAsync(ExecRequest request, CancellationToken cancellationToken);

    /// <summary>Prepares a streaming attach (CRI Attach); returns the streaming server URL.</summary>
    Task<string> AttachAsync(AttachRequest request, CancellationToken cancellationToken);

    /// <summary>Prepares port forwarding into a sandbox's network namespace (CRI PortForward); returns the streaming server URL.</summary>
    Task<string> PortForwardAsync(PortForwardRequest request, CancellationToken cancellationToken);

    /// <summary>The image's record, or null when it is not present.</summary>
    Task<Image?> ImageStatusAsync(string image, CancellationToken cancellationToken);

    /// <summary>Pulls an image; returns the image reference (id) the runtime resolved.</summary>
    Task<string> PullImageAsync(string image, AuthConfig? auth, PodSandboxConfig? sandboxConfig, CancellationToken cancellationToken);

    Task<IReadOnlyList<Image>> ListImagesAsync(CancellationToken cancellationToken);

    /// <summary>Every container's stats (the writable layer's disk use, for node-pressure eviction).</summary>
    Task<IReadOnlyList<ContainerStats>> ListContainerStatsAsync(CancellationToken cancellationToken);

    /// <summary>Removes an image by id or reference (image garbage collection); removing an absent image succeeds.</summary>
    Task RemoveImageAsync(string image, CancellationToken cancellationToken);
}
