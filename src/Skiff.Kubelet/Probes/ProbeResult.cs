namespace Skiff.Kubelet.Probes;

/// <summary>A probe result as the results store keeps it (the kubelet's results.Result).</summary>
internal enum ProbeResult
{
    /// <summary>Not probed yet (the initial value of startup probes).</summary>
    Unknown,
    Success,
    Failure,
}
