using System.Globalization;

namespace Skiff.Kubelet.Server;

/// <summary>The query of a container log request (PodLogOptions as kubelet's /containerLogs reads it).</summary>
internal sealed record LogOptions
{
    public bool Follow { get; init; }

    public bool Previous { get; init; }

    public bool Timestamps { get; init; }

    public long? TailLines { get; init; }

    public long? LimitBytes { get; init; }

    /// <summary>Only lines at or after this time (from sinceSeconds or sinceTime).</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Parses the query; returns an error text for a bad value.</summary>
    public static LogOptions Parse(Func<string, string?> query, DateTimeOffset now, out string? error)
    {
        error = null;
        bool Flag(string name) => query(name) is { } v && (v.Length == 0 || v.Equals("true", StringComparison.OrdinalIgnoreCase) || v == "1");
        long? Number(string name, ref string? err)
        {
            if (query(name) is not { Length: > 0 } v)
            {
                return null;
            }

            if (!long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n))
            {
                err = $"{name}: invalid value \"{v}\"";
                return null;
            }

            return n;
        }

        var tail = Number("tailLines", ref error);
        var limit = Number("limitBytes", ref error);
        var sinceSeconds = Number("sinceSeconds", ref error);
        DateTimeOffset? since = null;
        if (sinceSeconds is { } s)
        {
            since = now - TimeSpan.FromSeconds(s);
        }
        else if (query("sinceTime") is { Length: > 0 } t)
        {
            if (!DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
            {
                error = $"sinceTime: invalid value \"{t}\"";
            }
            else
            {
                since = parsed;
            }
        }

        return new LogOptions
        {
            Follow = Flag("follow"),
            Previous = Flag("previous"),
            Timestamps = Flag("timestamps"),
            TailLines = tail,
            LimitBytes = limit,
            Since = since,
        };
    }
}
