namespace Skiff.Bench.ApiServer;

/// <summary>
/// The result of one measured run: how many operations, how long, the latency percentiles, and the CPU the
/// server and this client spent on it (both share the machine's cores).
/// </summary>
internal sealed record LatencySummary(
    int Operations,
    int Errors,
    TimeSpan Elapsed,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double MaxMs,
    double? ServerCpuMsPerOp,
    double ClientCpuMsPerOp)
{
    public double PerSecond => Operations / Elapsed.TotalSeconds;

    /// <summary>Summarizes latencies (in milliseconds; sorted in place).</summary>
    public static LatencySummary From(double[] latenciesMs, int errors, TimeSpan elapsed, TimeSpan? serverCpu, TimeSpan clientCpu)
    {
        Array.Sort(latenciesMs);
        var n = latenciesMs.Length;
        return new LatencySummary(
            n,
            errors,
            elapsed,
            Percentile(latenciesMs, 0.50),
            Percentile(latenciesMs, 0.90),
            Percentile(latenciesMs, 0.99),
            n == 0 ? 0 : latenciesMs[^1],
            serverCpu is null || n == 0 ? null : serverCpu.Value.TotalMilliseconds / n,
            n == 0 ? 0 : clientCpu.TotalMilliseconds / n);
    }

    // Nearest-rank percentile, as most load tools report it.
    private static double Percentile(double[] sorted, double p)
        => sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
