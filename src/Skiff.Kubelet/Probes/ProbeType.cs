namespace Skiff.Kubelet.Probes;

/// <summary>The three kinds of container probe.</summary>
internal enum ProbeType
{
    Liveness,
    Readiness,
    Startup,
}
