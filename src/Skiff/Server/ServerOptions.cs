namespace Skiff.Server;

/// <summary>Everything <c>skiff server</c> is told on its command line; flag names as k3s names them.</summary>
internal sealed class ServerOptions
{
    /// <summary>Address the API server listens on (<c>--bind-address</c>).</summary>
    public const string DefaultBindAddress = "127.0.0.1";

    /// <summary>The API server's HTTPS port (<c>--https-listen-port</c>).</summary>
    public const int DefaultHttpsListenPort = 6443;

    /// <summary>The data directory (<c>--data-dir</c>): certificates, tokens, the SQLite database and the kubeconfig.</summary>
    public required string DataDir { get; init; }

    /// <summary>The IP address to listen on (<c>--bind-address</c>); 0.0.0.0 or :: listens everywhere.</summary>
    public string BindAddress { get; init; } = DefaultBindAddress;

    /// <summary>The HTTPS port (<c>--https-listen-port</c>); 0 picks a free port (tests).</summary>
    public int HttpsListenPort { get; init; } = DefaultHttpsListenPort;

    /// <summary>An extra path to write the admin kubeconfig to (<c>--write-kubeconfig</c>), besides DATA/kubeconfig.yaml.</summary>
    public string? WriteKubeconfig { get; init; }

    /// <summary>Whether to run without the node agent (<c>--disable-agent</c>).</summary>
    public bool DisableAgent { get; init; }

    /// <summary>Whether to run without the controller manager (<c>--disable-controller-manager</c>).</summary>
    public bool DisableControllerManager { get; init; }

    /// <summary>Whether to run without the scheduler (<c>--disable-scheduler</c>).</summary>
    public bool DisableScheduler { get; init; }

    /// <summary>The datastore (<c>--datastore-endpoint</c>): empty or <c>sqlite://PATH</c> for SQLite, <c>http(s)://</c> for etcd.</summary>
    public string? DatastoreEndpoint { get; init; }

    /// <summary>CA of the etcd server's certificate (<c>--datastore-cafile</c>).</summary>
    public string? DatastoreCaFile { get; init; }

    /// <summary>Client certificate for etcd (<c>--datastore-certfile</c>).</summary>
    public string? DatastoreCertFile { get; init; }

    /// <summary>Key of the etcd client certificate (<c>--datastore-keyfile</c>).</summary>
    public string? DatastoreKeyFile { get; init; }

    /// <summary>Prefix of every etcd key (<c>--etcd-prefix</c>), so clusters can share one etcd.</summary>
    public string? EtcdPrefix { get; init; }

    /// <summary>The server token (<c>--token</c>); generated at first start when absent.</summary>
    public string? Token { get; init; }
}
