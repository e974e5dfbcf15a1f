using System.Globalization;
using System.Text;

namespace Skiff.Api.Printing;

/// <summary>
/// Formats nanoseconds the way Go's time.Duration.String does, which is the JSON form of meta/v1
/// Duration and what kubelet and metrics-server print: "1h2m3s", "2m0s", "1.5s", "500ms", "1.5µs", "100ns", "0s". Hours are the largest unit;
/// below one second the largest fitting unit of ms, µs or ns is used with a trimmed fraction.
/// </summary>
public static class GoDuration
{
    private const ulong Microsecond = 1_000;
    private const ulong Millisecond = 1_000_000;
    private const ulong Second = 1_000_000_000;

    /// <summary>The text of <paramref name="duration"/> (whole ticks, 100 ns each).</summary>
    public static string Format(TimeSpan duration) => Format(duration.Ticks * 100);

    public static string Format(long nanoseconds)
    {
        if (nanoseconds == 0)
        {
            return "0s";
        }

        var sb = new StringBuilder(24);
        if (nanoseconds < 0)
        {
            sb.Append('-');
        }

        // The magnitude as unsigned, so long.MinValue does not overflow.
        var u = nanoseconds < 0 ? (ulong)(-(nanoseconds + 1)) + 1 : (ulong)nanoseconds;
        if (u < Second)
        {
            var (unit, scale, digits) = u switch
            {
                < Microsecond => ("ns", 1UL, 0),
                < Millisecond => ("µs", Microsecond, 3),
                _ => ("ms", Millisecond, 6),
            };
            AppendWithFraction(sb, u / scale, u % scale, digits);
            return sb.Append(unit).ToString();
        }

        var totalSeconds = u / Second;
        var hours = totalSeconds / 3600;
        var minutes = totalSeconds / 60 % 60;
        if (hours > 0)
        {
            sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (hours > 0 || minutes > 0)
        {
            sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        AppendWithFraction(sb, totalSeconds % 60, u % Second, 9);
        return sb.Append('s').ToString();
    }

    // Appends whole[.fraction] with the fraction's trailing zeros (and a bare point) removed.
    private static void AppendWithFraction(StringBuilder sb, ulong whole, ulong fraction, int digits)
    {
        sb.Append(whole.ToString(CultureInfo.InvariantCulture));
        if (fraction == 0)
        {
            return;
        }

        var text = fraction.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
        sb.Append('.').Append(text);
    }
}
