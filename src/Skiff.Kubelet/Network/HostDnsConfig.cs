namespace Skiff.Kubelet.Network;

/// <summary>
/// The node's resolver configuration (kubelet's <c>--resolv-conf</c>): the base of a pod's DNS for dnsPolicy Default
/// (and ClusterFirst on the host network), and the search domains appended after the cluster ones for ClusterFirst.
/// </summary>
internal sealed record HostDnsConfig(IReadOnlyList<string> Servers, IReadOnlyList<string> Searches, IReadOnlyList<string> Options)
{
    public static readonly HostDnsConfig Empty = new([], [], []);

    /// <summary>Reads <paramref name="path"/>; an empty path or a missing file means "no host resolvers", as in kubelet.</summary>
    public static HostDnsConfig Read(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return Empty;
        }

        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Empty;
        }
    }

    /// <summary>
    /// Parses resolv.conf text the way kubelet does: every <c>nameserver</c> line, the last <c>search</c> (or
    /// <c>domain</c>) line wins, the <c>options</c> of every line; comments start with # or ;.
    /// </summary>
    public static HostDnsConfig Parse(string text)
    {
        var servers = new List<string>();
        List<string> searches = [];
        var options = new List<string>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw;
            var comment = line.IndexOfAny(['#', ';']);
            if (comment >= 0)
            {
                line = line[..comment];
            }

            var fields = line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2)
            {
                continue;
            }

            switch (fields[0])
            {
                case "nameserver":
                    servers.Add(fields[1]);
                    break;
                case "search" or "domain":
                    // A trailing dot names the same domain; kubelet strips it.
                    searches = [.. fields.Skip(1).Select(s => s.TrimEnd('.')).Where(s => s.Length > 0)];
                    break;
                case "options":
                    options.AddRange(fields.Skip(1));
                    break;
            }
        }

        return new HostDnsConfig(servers, searches, options);
    }
}
