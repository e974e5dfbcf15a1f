using System.Globalization;
using System.Text;

namespace Skiff.Kubelet.Server;

/// <summary>
/// Reads a CRI container log file (lines of <c>TIMESTAMP STREAM P|F CONTENT</c>, P marking a partial line that the next
/// entry continues) and writes the container's output as kubelet does for /containerLogs: since, tail, timestamps,
/// limitBytes, and follow (keeps reading what is appended until the container stops).
/// </summary>
internal static class CriLogReader
{
    /// <summary>One parsed log line (partials joined): when it was written and its text with the newline.</summary>
    public sealed record LogLine(DateTimeOffset Time, string TimeText, string Stream, string Content);

    /// <summary>Parses complete CRI log entries from <paramref name="text"/>, joining partial ones; returns how many chars were consumed.</summary>
    public static List<LogLine> Parse(string text, out int consumed)
    {
        var lines = new List<LogLine>();
        var partial = new StringBuilder();
        consumed = 0;
        var position = 0;
        var lastComplete = 0;
        while (position < text.Length)
        {
            var newline = text.IndexOf('\n', position);
            if (newline < 0)
            {
                break;
            }

            var entry = text.AsSpan(position, newline - position);
            position = newline + 1;
            var first = entry.IndexOf(' ');
            if (first < 0)
            {
                continue;
            }

            var timeText = entry[..first].ToString();
            var rest = entry[(first + 1)..];
            var second = rest.IndexOf(' ');
            if (second < 0)
            {
                continue;
            }

            var stream = rest[..second].ToString();
            rest = rest[(second + 1)..];
            var tag = rest;
            var content = ReadOnlySpan<char>.Empty;
            var third = rest.IndexOf(' ');
            if (third >= 0)
            {
                tag = rest[..third];
                content = rest[(third + 1)..];
            }

            partial.Append(content);
            if (tag.Length > 0 && tag[0] == 'P')
            {
                continue;
            }

            partial.Append('\n');
            DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var time);
            lines.Add(new LogLine(time, timeText, stream, partial.ToString()));
            partial.Clear();
            lastComplete = position;
        }

        consumed = lastComplete;
        return lines;
    }

    /// <summary>Writes the log at <paramref name="path"/> to <paramref name="output"/>; with follow, until <paramref name="running"/> says the container stopped.</summary>
    public static async Task WriteAsync(string path, LogOptions options, Stream output, Func<CancellationToken, Task<bool>> running, TimeProvider time, CancellationToken cancellationToken)
    {
        long written = 0;
        var limit = options.LimitBytes;

        async Task<bool> EmitAsync(IEnumerable<LogLine> lines)
        {
            foreach (var line in lines)
            {
                if (options.Since is { } since && line.Time < since)
                {
                    continue;
                }

                var text = options.Timestamps ? line.TimeText + " " + line.Content : line.Content;
                var bytes = Encoding.UTF8.GetBytes(text);
                if (limit is { } max && written + bytes.Length > max)
                {
                    await output.WriteAsync(bytes.AsMemory(0, (int)(max - written)), cancellationToken).ConfigureAwait(false);
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                    return false;
                }

                await output.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                written += bytes.Length;
            }

            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }

        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(file, Encoding.UTF8);
        var pending = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        var lines = Parse(pending, out var consumed);
        pending = pending[consumed..];
        IEnumerable<LogLine> initial = lines;
        if (options.TailLines is { } tail)
        {
            initial = tail <= 0 ? [] : lines.Skip(Math.Max(0, lines.Count - (int)Math.Min(tail, int.MaxValue)));
        }

        if (!await EmitAsync(initial).ConfigureAwait(false) || !options.Follow)
        {
            return;
        }

        var idle = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            var more = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            if (more.Length > 0)
            {
                idle = 0;
                pending += more;
                var next = Parse(pending, out consumed);
                pending = pending[consumed..];
                if (!await EmitAsync(next).ConfigureAwait(false))
                {
                    return;
                }

                continue;
            }

            // Check whether the container still runs every second of quiet; once it stopped and the file is drained, end.
            if (++idle % 5 == 0 && !await running(cancellationToken).ConfigureAwait(false))
            {
                more = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                pending += more;
                await EmitAsync(Parse(pending, out _)).ConfigureAwait(false);
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, cancellationToken).ConfigureAwait(false);
        }
    }
}
