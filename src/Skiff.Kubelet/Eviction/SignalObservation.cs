namespace Skiff.Kubelet.Eviction;

/// <summary>What was observed of one signal (kubelet's signalObservation): how much is available of how much, and when.</summary>
internal sealed record SignalObservation(long Available, long Capacity, DateTimeOffset Time);
