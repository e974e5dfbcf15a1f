namespace Skiff.Kubelet.Eviction;

/// <summary>The eviction manager's settings (kubelet's eviction flags and KubeletConfiguration fields).</summary>
internal sealed class EvictionOptions
{
    /// <summary>kubelet's defaults: the default hard thresholds, a 5 minute transition period, a 10 s monitoring interval.</summary>
    public static EvictionOptions Default { get; } = new() { Thresholds = EvictionThresholds.Parse(null, null, null, null) };

    /// <summary>Hard and soft thresholds (<c>--eviction-hard</c>, <c>--eviction-soft</c>, ...).</summary>
    public required IReadOnlyList<Threshold> Thresholds { get; init; }

    /// <summary>How long a pressure condition stays True after its threshold was last met (<c>--eviction-pressure-transition-period</c>, 5m).</summary>
    public TimeSpan PressureTransitionPeriod { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The longest grace period given to a pod evicted for a soft threshold (<c>--eviction-max-pod-grace-period</c>, 0).</summary>
    public long MaxPodGracePeriodSeconds { get; init; }

    /// <summary>How often signals are observed and at most one pod is evicted (kubelet's evictionMonitoringPeriod, 10 s).</summary>
    public TimeSpan MonitoringInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether pods are evicted for emptyDir sizeLimit and ephemeral-storage limits (LocalStorageCapacityIsolation, on by default).</summary>
    public bool LocalStorageCapacityIsolation { get; init; } = true;
}
