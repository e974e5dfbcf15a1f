using System.Globalization;
using System.Text.RegularExpressions;

namespace Skiff.Api.Validation;

/// <summary>
/// Go's time.ParseDuration syntax (<c>1h30m</c>, <c>90s</c>, <c>1.5h</c>, <c>250ms</c>, an optional sign, and <c>0</c>),
/// wherever Kubernetes takes a Go duration: the <c>timeout</c> query parameter, <c>@every</c> CronJob schedules,
/// component flags.
/// </summary>
public static partial class GoDurations
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
