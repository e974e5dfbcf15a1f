using System.Text;

namespace Skiff.Tokens;

/// <summary>
/// Reads and writes static token files in kube-apiserver's <c>--token-auth-file</c> format: CSV lines
/// <c>token,user,uid,"group1,group2"</c>, the group column optional. Parsing follows kube-apiserver's
/// tokenfile authenticator (Go's encoding/csv): RFC 4180 quoting, blank lines skipped, fewer than three
/// columns is an error, an empty token is skipped, and a duplicate token replaces the earlier line.
/// </summary>
internal static class TokenFile
{
    /// <summary>Parses <paramref name="text"/>; <paramref name="source"/> names the file in error messages.</summary>
    /// <exception cref="FormatException">A record is malformed or has fewer than three columns.</exception>
    public static IReadOnlyList<TokenFileEntry> Parse(string text, string source)
    {
        var entries = new List<TokenFileEntry>();
        var indexByToken = new Dictionary<string, int>(StringComparer.Ordinal);
        var line = 1;
        foreach (var (record, startLine) in ReadRecords(text, source))
        {
            line = startLine;
            if (record.Count < 3)
            {
                throw new FormatException($"token file {source} line {line}: must have at least 3 columns (token, user name, user uid), found {record.Count}");
            }

            if (record[0].Length == 0)
            {
                continue;
            }

            var groups = record.Count >= 4
                ? record[3].Split(',', StringSplitOptions.RemoveEmptyEntries)
                : [];
            var entry = new TokenFileEntry(record[0], record[1], record[2], groups);
            if (indexByToken.TryGetValue(entry.Token, out var index))
            {
                entries[index] = entry;
            }
            else
            {
                indexByToken[entry.Token] = entries.Count;
                entries.Add(entry);
            }
        }

        return entries;
    }

    /// <summary>Formats <paramref name="entries"/> as a token file, quoting fields that need it.</summary>
    public static string Format(IEnumerable<TokenFileEntry> entries)
    {
        var text = new StringBuilder();
        foreach (var entry in entries)
        {
            text.Append(Quote(entry.Token)).Append(',')
                .Append(Quote(entry.User)).Append(',')
                .Append(Quote(entry.Uid));
            if (entry.Groups.Count > 0)
            {
                text.Append(',').Append(Quote(string.Join(',', entry.Groups)));
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private static string Quote(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") >= 0 || field.StartsWith(' ')
            ? "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : field;

    private static IEnumerable<(List<string> Record, int Line)> ReadRecords(string text, string source)
    {
        var position = 0;
        var line = 1;
        while (position < text.Length)
        {
            // Blank lines are not records (as in Go's encoding/csv).
            if (text[position] == '\n')
            {
                position++;
                line++;
                continue;
            }

            if (text[position] == '\r' && position + 1 < text.Length && text[position + 1] == '\n')
            {
                position += 2;
                line++;
                continue;
            }

            var startLine = line;
            var record = new List<string>();
            var field = new StringBuilder();
            var endOfRecord = false;
            while (!endOfRecord)
            {
                field.Clear();
                if (position < text.Length && text[position] == '"')
                {
                    position++;
                    while (true)
                    {
                        if (position >= text.Length)
                        {
                            throw new FormatException($"token file {source} line {startLine}: quoted field is not closed");
                        }

                        var c = text[position++];
                        if (c == '"')
                        {
                            if (position < text.Length && text[position] == '"')
                            {
                                field.Append('"');
                                position++;
                                continue;
                            }

                            break;
                        }

                        if (c == '\n')
                        {
                            line++;
                        }

                        field.Append(c);
                    }

                    if (position < text.Length && text[position] is not (',' or '\n' or '\r'))
                    {
                        throw new FormatException($"token file {source} line {line}: unexpected character after a quoted field");
                    }
                }
                else
                {
                    while (position < text.Length && text[position] is not (',' or '\n'))
                    {
                        if (text[position] == '"')
                        {
                            throw new FormatException($"token file {source} line {line}: bare \" in a non-quoted field");
                        }

                        field.Append(text[position++]);
                    }

                    // A CRLF line ending leaves a trailing CR on the last field.
                    if (field.Length > 0 && field[^1] == '\r' && (position >= text.Length || text[position] == '\n'))
                    {
                        field.Length--;
                    }
                }

                record.Add(field.ToString());
                if (position < text.Length && text[position] == '\r')
                {
                    position++;
                }

                if (position >= text.Length)
                {
                    endOfRecord = true;
                }
                else if (text[position] == ',')
                {
                    position++;
                }
                else
                {
                    // '\n'
                    position++;
                    line++;
                    endOfRecord = true;
                }
            }

            yield return (record, startLine);
        }
    }
}
