namespace Skiff.Kubelet.Eviction;

/// <summary>
/// Parses kubelet's eviction flags into thresholds, as kubelet's ParseThresholdConfig does: <c>--eviction-hard</c>
/// (<c>memory.available&lt;100Mi,nodefs.available&lt;10%</c>), <c>--eviction-soft</c> with
/// <c>--eviction-soft-grace-period</c> (<c>memory.available=1m30s</c>) and <c>--eviction-minimum-reclaim</c>
/// (<c>nodefs.available=500Mi</c>). Errors are <see cref="FormatException"/>s naming the flag and the signal.
/// </summary>
internal static class EvictionThresholds
{
    /// <summary>kubelet's default hard thresholds on Linux; used only when <c>--eviction-hard</c> is not given at all.</summary>
    public const string DefaultHard = "memory.available<100Mi,nodefs.available<10%,nodefs.inodesFree<5%,imagefs.available<15%,imagefs.inodesFree<5%";

    /// <summary>
    /// The thresholds of the flags. A null <paramref name="hard"/> means kubelet's defaults; any value given replaces
    /// them all (signals left out are not watched), as kubelet documents. A value of 0 or 0% turns a signal off.
    /// </summary>
    public static IReadOnlyList<Threshold> Parse(string? hard, string? soft, string? softGracePeriod, string? minimumReclaim)
    {
        var hardValues = ParseStatements("--eviction-hard", hard ?? DefaultHard, '<');
        var softValues = ParseStatements("--eviction-soft", soft, '<');
        var graceTexts = ParseStatements("--eviction-soft-grace-period", softGracePeriod, '=');
        var reclaimTexts = ParseStatements("--eviction-minimum-reclaim", minimumReclaim, '=');

        var reclaim = new Dictionary<string, ThresholdValue>(StringComparer.Ordinal);
        foreach (var (signal, text) in reclaimTexts)
        {
            // Negative values are refused by the parser, with kubelet's "must be positive" wording.
            reclaim[signal] = Value("--eviction-minimum-reclaim", signal, text);
        }

        var grace = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (var (signal, text) in graceTexts)
        {
            if (!Skiff.Api.Validation.GoDurations.TryParse(text, out var period))
            {
                throw new FormatException($"--eviction-soft-grace-period: '{text}' for {signal} is not a duration (e.g. 1m30s)");
            }

            if (period < TimeSpan.Zero)
            {
                throw new FormatException($"--eviction-soft-grace-period: grace period for {signal} must be positive: {text}");
            }

            if (!softValues.ContainsKey(signal))
            {
                throw new FormatException($"--eviction-soft-grace-period: {signal} has a grace period but no soft eviction threshold (--eviction-soft)");
            }

            grace[signal] = period;
        }

        var thresholds = new List<Threshold>();
        foreach (var (signal, text) in hardValues)
        {
            var value = Value("--eviction-hard", signal, text);
            if (!value.IsZero)
            {
                thresholds.Add(new Threshold(signal, value, TimeSpan.Zero, reclaim.GetValueOrDefault(signal)));
            }
        }

        foreach (var (signal, text) in softValues)
        {
            var value = Value("--eviction-soft", signal, text);
            if (!grace.TryGetValue(signal, out var period) || period == TimeSpan.Zero)
            {
                throw new FormatException($"--eviction-soft-grace-period: grace period must be specified for the soft eviction threshold {signal}");
            }

            if (!value.IsZero)
            {
                thresholds.Add(new Threshold(signal, value, period, reclaim.GetValueOrDefault(signal)));
            }
        }

        return thresholds;
    }

    /// <summary>
    /// The amount of <paramref name="signal"/>'s resource the hard thresholds hold back from pods (node allocatable =
    /// capacity − this, as kubelet's GetNodeAllocatableReservation counts memory.available and nodefs.available).
    /// </summary>
    public static long HardReservation(IEnumerable<Threshold> thresholds, string signal, long capacity) =>
        thresholds.Where(t => t.IsHard && t.Signal == signal).Select(t => t.Value.Resolve(capacity)).DefaultIfEmpty(0).Max();

    private static ThresholdValue Value(string flag, string signal, string text)
    {
        try
        {
            return ThresholdValue.Parse(signal, text);
        }
        catch (FormatException ex)
        {
            throw new FormatException($"{flag}: {ex.Message}", ex);
        }
    }

    /// <summary>Splits <c>a&lt;1,b&lt;2</c> (or <c>a=1,b=2</c>) into signal → value, rejecting unknown signals and duplicates.</summary>
    private static Dictionary<string, string> ParseStatements(string flag, string? text, char separator)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(text))
        {
            return result;
        }

        foreach (var statement in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var at = statement.IndexOf(separator, StringComparison.Ordinal);
            if (at <= 0 || at == statement.Length - 1)
            {
                throw new FormatException($"{flag}: invalid eviction threshold syntax '{statement}', expected <signal>{separator}<value>");
            }

            var signal = statement[..at].Trim();
            if (!EvictionSignal.All.Contains(signal))
            {
                throw new FormatException($"{flag}: unsupported eviction signal {signal} (supported: {string.Join(", ", EvictionSignal.All)})");
            }

            if (!result.TryAdd(signal, statement[(at + 1)..].Trim()))
            {
                throw new FormatException($"{flag}: found duplicate eviction threshold for signal {signal}");
            }
        }

        return result;
    }
}
