namespace Skiff.Kubelet.Probes;

/// <summary>One prober run: its status and the output the kubelet puts into events (body, command output or error).</summary>
internal sealed record ProbeOutcome(ProbeStatus Status, string Output)
{
    public static ProbeOutcome Success(string output = "") => new(ProbeStatus.Success, output);

    public static ProbeOutcome Failure(string output) => new(ProbeStatus.Failure, output);

    public static ProbeOutcome Unknown(string error) => new(ProbeStatus.Unknown, error);
}
