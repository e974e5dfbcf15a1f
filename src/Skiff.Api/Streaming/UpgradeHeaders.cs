namespace Skiff.Api.Streaming;

/// <summary>Which headers an upgrade-aware proxy passes on, in each direction.</summary>
public static class UpgradeHeaders
{
    // Hop-by-hop headers and credentials meant for this hop only; the proxy sets Host and Connection itself.
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authorization", "Proxy-Authenticate", "TE", "Trailer",
        "Transfer-Encoding", "Content-Length", "Authorization", "Cookie",
    };

    /// <summary>The request headers to send to the next hop, plus <c>Connection: Upgrade</c>.</summary>
    public static List<KeyValuePair<string, string>> Request(IEnumerable<KeyValuePair<string, string>> headers)
    {
        var result = headers.Where(h => !NotForwarded.Contains(h.Key) && !h.Key.StartsWith("Impersonate-", StringComparison.OrdinalIgnoreCase)).ToList();
        result.Add(new("Connection", "Upgrade"));
        return result;
    }

    /// <summary>Whether a response header of the next hop goes back to the client.</summary>
    public static bool ForwardResponse(string name) => !NotForwarded.Contains(name) && !name.Equals("Date", StringComparison.OrdinalIgnoreCase) && !name.Equals("Server", StringComparison.OrdinalIgnoreCase);
}
