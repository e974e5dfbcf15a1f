namespace Skiff.Kubelet.Probes;

/// <summary>What a probe worker needs to know about its container, as the kubelet core observed it from the runtime.</summary>
/// <param name="ContainerId">The runtime's container ID (a new ID means a new container: probing resets).</param>
/// <param name="Running">The container is running.</param>
/// <param name="StartedAt">When it started running (initialDelaySeconds counts from here).</param>
/// <param name="Terminated">It has exited (with restartPolicy Never its worker then stops).</param>
internal sealed record ContainerProbeState(string ContainerId, bool Running, DateTimeOffset StartedAt, bool Terminated = false);
