namespace Skiff.Bootstrap;

/// <summary>
/// The cluster-wide secret files every server of one cluster must share, as paths under <c>DATA/server</c>. They are
/// kept in the datastore as bootstrap data (like k3s's bootstrap data: CA keys, service-account key, password file),
/// so a server joining a datastore with only the token gets the same CA and keys as the first. A new cluster-wide
/// secret file is one line here (plus its creator in the server command's "create missing" step).
/// </summary>
/// <remarks>
/// Per-server files are deliberately absent: each server issues its own serving certificate (with its own addresses)
/// and admin client certificate from the shared CA, and keeps its own server token file.
/// </remarks>
internal static class ClusterSecretFiles
{
    /// <summary>Every shared file, in the order they are written locally.</summary>
    public static readonly IReadOnlyList<ClusterSecretFile> All =
    [
        new("tls/server-ca.crt", ClusterSecretPolicy.Fixed),
        new("tls/server-ca.key", ClusterSecretPolicy.Fixed),
        new("tls/service.key", ClusterSecretPolicy.Fixed),
        new("tls/encryption.key", ClusterSecretPolicy.Fixed),
        new("tokens.csv", ClusterSecretPolicy.NewestWins),
    ];
}

/// <summary>One shared secret file: its path under <c>DATA/server</c> and how a local copy that differs is treated.</summary>
internal sealed record ClusterSecretFile(string RelativePath, ClusterSecretPolicy Policy);

/// <summary>What happens when a server's local copy of a shared file differs from the datastore's.</summary>
internal enum ClusterSecretPolicy
{
    /// <summary>
    /// The file never changes once the cluster exists (CA, signing keys): a different local copy means this data
    /// directory belongs to another cluster, and start-up stops with an error naming the file.
    /// </summary>
    Fixed,

    /// <summary>
    /// The operator may edit the file (the static token file): the copy modified last wins, so an edit on one server
    /// reaches the others at their next start.
    /// </summary>
    NewestWins,
}
