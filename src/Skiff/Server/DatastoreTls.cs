namespace Skiff.Server;

/// <summary>The etcd client settings besides the endpoint, as k3s names the flags.</summary>
/// <param name="CaFile"><c>--datastore-cafile</c>.</param>
/// <param name="CertFile"><c>--datastore-certfile</c>.</param>
/// <param name="KeyFile"><c>--datastore-keyfile</c>.</param>
/// <param name="EtcdPrefix"><c>--etcd-prefix</c>.</param>
internal sealed record DatastoreTls(string? CaFile, string? CertFile, string? KeyFile, string? EtcdPrefix)
{
    public static DatastoreTls From(ServerOptions options) =>
        new(options.DatastoreCaFile, options.DatastoreCertFile, options.DatastoreKeyFile, options.EtcdPrefix);
}
