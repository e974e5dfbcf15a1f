using System.Globalization;
using System.Text;

namespace Skiff.ApiServer.Registry.Metrics;

/// <summary>The text forms metrics-server writes: CPU as a canonical decimal quantity of nanocores, memory as a canonical binary quantity of bytes, windows as Go durations.</summary>
internal static class MetricsQuantities
{
    /// <summary>Nanocores in canonical form: the largest of n, u, m or whole cores that keeps the value an integer ("2071099n", "250m", "2").</summary>
    public static string Cpu(long nanoCores)
    {
        string[] suffixes = ["n", "u", "m", ""];
        var value = nanoCores;
        var i = 0;
        while (i < suffixes.Length - 1 && value != 0 && value % 1000 == 0)
        {
            value /= 1000;
            i++;
        }

        return value == 0 ? "0" : value.ToString(CultureInfo.InvariantCulture) + suffixes[i];
    }

    /// <summary>Bytes in canonical binary form: the largest of Ki, Mi, Gi, Ti, Pi that keeps the value an integer, else plain bytes.</summary>
    public static string Memory(long bytes)
    {
        string[] suffixes = ["", "Ki", "Mi", "Gi", "Ti", "Pi"];
        var value = bytes;
        var i = 0;
        while (i < suffixes.Length - 1 && value != 0 && value % 1024 == 0)
        {
            value /= 1024;
            i++;
        }

        return value.ToString(CultureInfo.InvariantCulture) + suffixes[i];
    }

    /// <summary>A duration as Go's time.Duration.String() writes it ("15.002s", "1m0.5s", "0s").</summary>
    public static string GoDuration(TimeSpan duration)
    {
        var ns = duration.Ticks * 100;
        if (ns == 0)
        {
            return "0s";
        }

        var text = new StringBuilder();
        if (ns < 0)
        {
            text.Append('-');
            ns = -ns;
        }

        if (ns < 1_000_000_000)
        {
            // Below a second Go picks ms, µs or ns.
            var (unit, scale) = ns >= 1_000_000 ? ("ms", 1_000_000L) : ns >= 1000 ? ("µs", 1000L) : ("ns", 1L);
            return text.Append(Fraction(ns, scale)).Append(unit).ToString();
        }

        var hours = ns / 3_600_000_000_000;
        var minutes = ns / 60_000_000_000 % 60;
        var seconds = ns % 60_000_000_000;
        if (hours > 0)
        {
            text.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('h');
        }

        if (hours > 0 || minutes > 0)
        {
            text.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        }

        return text.Append(Fraction(seconds, 1_000_000_000)).Append('s').ToString();
    }

    private static string Fraction(long value, long scale)
    {
        var whole = (value / scale).ToString(CultureInfo.InvariantCulture);
        var rest = value % scale;
        if (rest == 0)
        {
            return whole;
        }

        var digits = scale.ToString(CultureInfo.InvariantCulture).Length - 1;
        return whole + "." + rest.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
    }
}
