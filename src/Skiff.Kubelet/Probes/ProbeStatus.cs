namespace Skiff.Kubelet.Probes;

/// <summary>What one prober run returned (the kubelet's probe.Result).</summary>
internal enum ProbeStatus
{
    Success,

    /// <summary>Counts as success but is worth an event (an HTTP probe that stopped at a redirect to another host).</summary>
    Warning,

    Failure,

    /// <summary>The probe could not be run (e.g. a named port that does not exist); the result is discarded.</summary>
    Unknown,
}
