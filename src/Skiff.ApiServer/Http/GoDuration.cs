using System.Globalization;
using System.Text.RegularExpressions;

namespace Skiff.ApiServer.Http;

/// <summary>Parses Go duration strings such as <c>32s</c>, <c>1m30s</c> or <c>250ms</c> (the <c>timeout</c> query parameter kubectl sends).</summary>
internal static partial class GoDuration
{
    [GeneratedRegex(@"([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)")]
    private static partial Regex Part();

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var matches = Part().Matches(text);
        if (matches.Count == 0 || matches.Sum(m => m.Length) != text.Length)
        {
            return false;
        }

        foreach (Match m in matches)
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            value += m.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                "s" => TimeSpan.FromSeconds(n),
                "ms" => TimeSpan.FromMilliseconds(n),
                _ => TimeSpan.FromTicks((long)(n / 100)),
            };
        }

        return true;
    }
}
