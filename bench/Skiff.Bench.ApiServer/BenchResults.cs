namespace Skiff.Bench.ApiServer;

/// <summary>Everything one run measured; a phase that did not run leaves its members null.</summary>
internal sealed class BenchResults
{
    public required Machine Machine { get; init; }

    public required string Mode { get; init; }

    public required Uri Server { get; init; }

    public string? ServerCommand { get; init; }

    public int? Pid { get; init; }

    public string ServerVersion { get; set; } = "?";

    /// <summary>/proc/loadavg's 1-minute figure before the run: other load skews every figure.</summary>
    public double? LoadAverageBefore { get; init; }

    public int Clients { get; init; }

    public int Connections { get; init; }

    public int ListObjects { get; init; }

    public double? RssIdleMiB { get; set; }

    /// <summary>Creating the LIST test's objects; it also warms the server up and is not compared.</summary>
    public LatencySummary? Populate { get; set; }

    public LatencySummary? Create1 { get; set; }

    public LatencySummary? CreateConcurrent { get; set; }

    public LatencySummary? ListConsistent { get; set; }

    public LatencySummary? ListRv0 { get; set; }

    public long ListBytes { get; set; }

    public double? RssWithObjectsMiB { get; set; }

    public double? RssEndMiB { get; set; }

    public double? PeakRssMiB { get; set; }

    public int? ThreadsEnd { get; set; }

    public int ObjectsEnd { get; set; }

    public List<string> Errors { get; } = [];
}
