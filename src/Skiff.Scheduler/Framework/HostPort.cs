namespace Skiff.Scheduler.Framework;

/// <summary>A host port a container claims; 0.0.0.0 conflicts with every address (kube-scheduler's HostPortInfo).</summary>
internal readonly record struct HostPort(string Ip, string Protocol, int Port)
{
    public bool ConflictsWith(HostPort other) =>
        Port == other.Port && Protocol == other.Protocol && (Ip == other.Ip || Ip == "0.0.0.0" || other.Ip == "0.0.0.0");
}
