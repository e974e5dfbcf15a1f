namespace Skiff.Kubelet.Eviction;

/// <summary>
/// One eviction threshold (kubelet's evictionapi.Threshold): the signal is met when its available amount falls below
/// <paramref name="Value"/>. A hard threshold has no grace period; a soft one must stay met for
/// <paramref name="GracePeriod"/> before pods are evicted. <paramref name="MinReclaim"/> keeps it met until that much
/// more than the threshold is available again.
/// </summary>
internal sealed record Threshold(string Signal, ThresholdValue Value, TimeSpan GracePeriod, ThresholdValue? MinReclaim = null)
{
    /// <summary>A threshold with no grace period is hard (kubelet's isHardEvictionThreshold).</summary>
    public bool IsHard => GracePeriod == TimeSpan.Zero;

    public override string ToString() => $"{Signal}<{Value.Text}" + (IsHard ? "" : $" (soft, grace period {GracePeriod})");
}
