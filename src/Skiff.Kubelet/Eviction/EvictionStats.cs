namespace Skiff.Kubelet.Eviction;

/// <summary>One observation of the node's signals and its pods' usage (by pod UID).</summary>
/// <param name="DedicatedImageFs">Whether the runtime's images are on another filesystem than the agent's root (kubelet's HasDedicatedImageFs).</param>
internal sealed record EvictionStats(IReadOnlyDictionary<string, SignalObservation> Signals, IReadOnlyDictionary<string, PodUsage> Pods, bool DedicatedImageFs);
