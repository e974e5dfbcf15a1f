using System.Globalization;

namespace Skiff.Kubelet.Probes;

/// <summary>Go's time.Duration text for whole seconds (<c>1s</c>, <c>1m30s</c>, <c>1h0m0s</c>), as kubelet probe messages print timeouts.</summary>
internal static class GoDurationText
{
    public static string Format(TimeSpan d)
    {
        var total = (long)d.TotalSeconds;
        if (d.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            return ((long)d.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
        }

        if (total < 60)
        {
            return total.ToString(CultureInfo.InvariantCulture) + "s";
        }

        var h = total / 3600;
        var m = total % 3600 / 60;
        var s = total % 60;
        return h > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{h}h{m}m{s}s")
            : string.Create(CultureInfo.InvariantCulture, $"{m}m{s}s");
    }
}
