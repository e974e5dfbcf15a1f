namespace Skiff.Server;

/// <summary>The layout of the data directory; the paths mirror k3s's (server/tls, server/db, server/token).</summary>
internal sealed class DataDirectory(string root)
{
    /// <summary>The system-wide data directory used when running as root.</summary>
    public const string SystemDefault = "/var/lib/skiff";

    /// <summary>The data directory itself, as an absolute path.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Server-only state: secrets and the database. Owner-only.</summary>
    public string ServerDirectory => Path.Combine(Root, "server");

    /// <summary>The cluster's certificates and keys.</summary>
    public string TlsDirectory => Path.Combine(ServerDirectory, "tls");

    /// <summary>The embedded SQLite database used when no datastore endpoint names another file.</summary>
    public string DefaultDatabasePath => Path.Combine(ServerDirectory, "db", "state.db");

    /// <summary>Where the local-path provisioner keeps volume directories (like k3s's storage directory).</summary>
    public string StorageDirectory => Path.Combine(Root, "storage");

    /// <summary>The admin kubeconfig, rewritten at every start.</summary>
    public string KubeconfigPath => Path.Combine(Root, "kubeconfig.yaml");

    /// <summary>
    /// The data directory when <c>--data-dir</c> is not given: /var/lib/skiff for root, ~/.skiff otherwise,
    /// as k3s does with /var/lib/rancher/k3s and ~/.rancher/k3s.
    /// </summary>
    public static string DefaultPath(bool isRoot, string homeDirectory) =>
        isRoot ? SystemDefault : Path.Combine(homeDirectory, ".skiff");

    /// <summary>The default data directory of the current process.</summary>
    public static string DefaultPathForCurrentUser() =>
        DefaultPath(Environment.IsPrivilegedProcess, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
}
