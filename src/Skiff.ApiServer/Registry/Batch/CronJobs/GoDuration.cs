using System.Globalization;
using System.Text.RegularExpressions;

namespace Skiff.ApiServer.Registry.Batch.CronJobs;

/// <summary>Go's time.ParseDuration syntax (e.g. <c>1h30m</c>, <c>90s</c>, <c>1.5h</c>), for <c>@every</c> schedules.</summary>
internal static partial class GoDuration
{
    [GeneratedRegex(@"^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$")]
    private static partial Regex Syntax();

    [GeneratedRegex(@"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")]
    private static partial Regex Part();

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        if (text == "0")
        {
            return true;
        }

        if (!Syntax().IsMatch(text))
        {
            return false;
        }

        double ticks = 0;
        foreach (Match m in Part().Matches(text))
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            ticks += n * m.Groups[2].Value switch
            {
                "ns" => 0.01,
                "us" or "µs" or "μs" => 10,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                _ => TimeSpan.TicksPerHour,
            };
        }

        duration = TimeSpan.FromTicks((long)(text.StartsWith('-') ? -ticks : ticks));
        return true;
    }
}
