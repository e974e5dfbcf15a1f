namespace Skiff.Kubelet.Eviction;

/// <summary>The pressure conditions the eviction manager reports: which of MemoryPressure, DiskPressure and PIDPressure are True.</summary>
internal sealed record NodePressure(bool Memory, bool Disk, bool Pid)
{
    public static NodePressure None { get; } = new(false, false, false);

    /// <summary>The condition types that are True, in kubelet's order.</summary>
    public IEnumerable<string> Conditions()
    {
        if (Memory)
        {
            yield return EvictionSignal.MemoryPressure;
        }

        if (Disk)
        {
            yield return EvictionSignal.DiskPressure;
        }

        if (Pid)
        {
            yield return EvictionSignal.PidPressure;
        }
    }
}
