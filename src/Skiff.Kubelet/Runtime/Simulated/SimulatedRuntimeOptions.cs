namespace Skiff.Kubelet.Runtime.Simulated;

/// <summary>How the simulated runtime behaves (<c>skiff sim</c> flags).</summary>
internal sealed class SimulatedRuntimeOptions
{
    /// <summary>How long StartContainer takes before the container runs (a real start is 50–300 ms).</summary>
    public TimeSpan StartDelay { get; init; }

    /// <summary>The share of container starts, from 0 to 1, after which the container exits at once with code 1 (reason Error).</summary>
    public double FailureRate { get; init; }

    /// <summary>The runtime's name in nodeInfo.containerRuntimeVersion (<c>NAME://VERSION</c>).</summary>
    public string RuntimeName { get; init; } = "skiff-sim";

    public string RuntimeVersion { get; init; } = "1.0.0";
}
