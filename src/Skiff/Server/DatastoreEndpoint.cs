namespace Skiff.Server;

/// <summary>
/// A parsed <c>--datastore-endpoint</c>, in k3s's syntax: empty or <c>sqlite://</c> for the embedded
/// database at its default place, <c>sqlite:///abs/path.db</c> (query parameters ignored) for another file,
/// and a comma-separated list of <c>http(s)://host:port</c> URLs for etcd.
/// </summary>
internal sealed class DatastoreEndpoint
{
    private DatastoreEndpoint(DatastoreKind kind, string? sqlitePath, IReadOnlyList<Uri> etcdEndpoints)
    {
        Kind = kind;
        SqlitePath = sqlitePath;
        EtcdEndpoints = etcdEndpoints;
    }

    /// <summary>The backend.</summary>
    public DatastoreKind Kind { get; }

    /// <summary>For SQLite: the database file, absolute.</summary>
    public string? SqlitePath { get; }

    /// <summary>For etcd: the client URLs.</summary>
    public IReadOnlyList<Uri> EtcdEndpoints { get; }

    /// <summary>Parses <paramref name="endpoint"/>; throws <see cref="StartupException"/> with a readable message when it is not understood.</summary>
    public static DatastoreEndpoint Parse(string? endpoint, string defaultSqlitePath)
    {
        var text = endpoint?.Trim() ?? string.Empty;
        if (text.Length == 0)
        {
            return new DatastoreEndpoint(DatastoreKind.Sqlite, defaultSqlitePath, []);
        }

        if (text.StartsWith("sqlite://", StringComparison.OrdinalIgnoreCase))
        {
            var path = text["sqlite://".Length..];
            var query = path.IndexOf('?', StringComparison.Ordinal);
            if (query >= 0)
            {
                path = path[..query];
            }

            return new DatastoreEndpoint(DatastoreKind.Sqlite, path.Length == 0 ? defaultSqlitePath : Path.GetFullPath(path), []);
        }

        if (text.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || text.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            var urls = new List<Uri>();
            foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    throw new StartupException($"--datastore-endpoint: '{part}' is not an http(s) etcd URL");
                }

                urls.Add(uri);
            }

            return new DatastoreEndpoint(DatastoreKind.Etcd, null, urls);
        }

        throw new StartupException($"--datastore-endpoint: unsupported endpoint '{text}' (use sqlite://PATH or http(s)://HOST:PORT for etcd)");
    }
}
