namespace Skiff.Storage.Etcd;

/// <summary>Settings of the etcd v3 store.</summary>
public sealed class EtcdStoreOptions
{
    /// <summary>The etcd client URLs (<c>http://host:port</c> or <c>https://host:port</c>, all the same scheme); calls go to one and fail over to the next.</summary>
    public IReadOnlyList<Uri> Endpoints { get; set; } = [];

    /// <summary>
    /// Prepended to every key, so several clusters can share one etcd (e.g. <c>/cluster-a</c>). Empty by default: keys
    /// are stored as given (<c>/registry/...</c>), as kube-apiserver stores them.
    /// </summary>
    public string KeyPrefix { get; set; } = string.Empty;

    /// <summary>PEM file of the CA that signed etcd's serving certificate (https only); the system roots when null.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate presented to etcd (https only); needs <see cref="KeyFile"/>.</summary>
    public string? CertFile { get; set; }

    /// <summary>PEM private key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Deadline of each unary request (default 30 s).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often history older than <see cref="CompactionKeepRevisions"/> is compacted (default 5 minutes, as
    /// kube-apiserver compacts etcd). <see cref="TimeSpan.Zero"/> or <see cref="Timeout.InfiniteTimeSpan"/> turns it off.
    /// </summary>
    public TimeSpan CompactionInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many recent revisions periodic compaction keeps (default 1000).</summary>
    public long CompactionKeepRevisions { get; set; } = 1000;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (Endpoints.Count == 0)
        {
            throw new ArgumentException("at least one etcd endpoint is required", nameof(Endpoints));
        }

        foreach (var endpoint in Endpoints)
        {
            if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"etcd endpoint '{endpoint}' is not an http(s) URL", nameof(Endpoints));
            }
        }

        if (Endpoints.Select(e => e.Scheme).Distinct(StringComparer.Ordinal).Count() > 1)
        {
            throw new ArgumentException("etcd endpoints must all be http or all be https", nameof(Endpoints));
        }

        if (KeyPrefix.Length > 0 && (!KeyPrefix.StartsWith('/') || KeyPrefix.EndsWith('/')))
        {
            throw new ArgumentException($"key prefix '{KeyPrefix}' must start with '/' and not end with '/'", nameof(KeyPrefix));
        }

        if ((CertFile is null) != (KeyFile is null))
        {
            throw new ArgumentException("a client certificate needs both a certificate file and a key file", nameof(CertFile));
        }

        if (RequestTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"request timeout {RequestTimeout} must be positive", nameof(RequestTimeout));
        }

        if (CompactionKeepRevisions < 1)
        {
            throw new ArgumentException($"compaction must keep at least one revision, not {CompactionKeepRevisions}", nameof(CompactionKeepRevisions));
        }
    }
}
