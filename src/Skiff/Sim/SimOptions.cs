namespace Skiff.Sim;

/// <summary>The settings of <c>skiff sim</c>, bound from its flags.</summary>
internal sealed class SimOptions
{
    /// <summary>How many nodes to simulate (named <c>PREFIX-0</c> … <c>PREFIX-(N-1)</c>).</summary>
    public required int Nodes { get; init; }

    /// <summary>The data directory of a <c>skiff server</c> on this machine (its kubeconfig and cluster CA give the nodes an identity).</summary>
    public string? ServerDataDir { get; init; }

    /// <summary>A kubeconfig to reach the server with instead (any user allowed to act as nodes, e.g. an admin).</summary>
    public string? Kubeconfig { get; init; }

    /// <summary>Where the simulated nodes keep their (few) files: <c>DATA/NODE/agent/pods</c> log directories.</summary>
    public required string DataDir { get; init; }

    public string NamePrefix { get; init; } = "sim";

    /// <summary>How long a container start takes.</summary>
    public TimeSpan StartDelay { get; init; }

    /// <summary>The share of container starts that exit at once with code 1.</summary>
    public double FailureRate { get; init; }

    /// <summary>CPUs each simulated node reports.</summary>
    public int Cpus { get; init; } = 32;

    /// <summary>Memory each simulated node reports, in bytes.</summary>
    public long MemoryBytes { get; init; } = 256L << 30;

    /// <summary>How many node registrations run at once (start-up pacing).</summary>
    public int RegistrationConcurrency { get; init; } = 32;

    /// <summary>Seed of the failure draws, so a run can be repeated.</summary>
    public int Seed { get; init; } = 1;
}
