using System.Runtime;
using Microsoft.Extensions.Logging;

namespace Skiff.Server;

/// <summary>
/// Gives memory back to the machine when the server goes quiet after a burst of work. The GC keeps the heap it
/// grew under load for the next burst; a development cluster spends most of its life idle, so after a burst
/// followed by a quiet period one aggressive, compacting collection returns that headroom to the OS.
/// Runs until cancelled.
/// </summary>
internal sealed partial class IdleMemoryTrimmer(TimeProvider time, ILogger<IdleMemoryTrimmer> logger)
{
    /// <summary>How often allocation activity is sampled.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>Allocations since the last trim that count as a burst worth trimming after.</summary>
    public const long BurstBytes = 64L * 1024 * 1024;

    /// <summary>Allocations within one interval below which the server counts as quiet.</summary>
    public const long QuietBytes = 4L * 1024 * 1024;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var lastTrim = GC.GetTotalAllocatedBytes();
        var lastSample = lastTrim;
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
        {
            var now = GC.GetTotalAllocatedBytes();
            if (ShouldTrim(now - lastTrim, now - lastSample))
            {
                var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
                GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
                var after = GC.GetGCMemoryInfo().TotalCommittedBytes;
                Log.Trimmed(logger, before / (1024 * 1024), after / (1024 * 1024));
                now = GC.GetTotalAllocatedBytes();
                lastTrim = now;
            }

            lastSample = now;
        }
    }

    /// <summary>Trim when a burst has happened since the last trim and the last interval was quiet.</summary>
    internal static bool ShouldTrim(long sinceTrim, long sinceSample) => sinceTrim >= BurstBytes && sinceSample < QuietBytes;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Idle after a burst: managed heap committed {BeforeMiB} MiB -> {AfterMiB} MiB", EventName = "Trimmed")]
        public static partial void Trimmed(ILogger logger, long beforeMiB, long afterMiB);
    }
}
