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
    double ClientCpuMsPerOp,
    double? OtherCpuCores)
{
    public double PerSecond => Operations / Elapsed.TotalSeconds;

    /// <summary>Summarizes latencies (in milliseconds; sorted in place).</summary>
    /// <param name="machineBusy">CPU time the whole machine spent meanwhile; what the server and we did not
    /// spend is other processes' load, which skews the figures on a shared machine.</param>
    public static LatencySummary From(double[] latenciesMs, int errors, TimeSpan elapsed, TimeSpan? serverCpu, TimeSpan clientCpu, TimeSpan? machineBusy)
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
            n == 0 ? 0 : clientCpu.TotalMilliseconds / n,
            machineBusy is null || serverCpu is null ? null : Math.Max(0, (machineBusy.Value - serverCpu.Value - clientCpu).TotalSeconds / elapsed.TotalSeconds));
    }

    // Nearest-rank percentile, as most load tools report it.
    private static double Percentile(double[] sorted, double p)
        => sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
