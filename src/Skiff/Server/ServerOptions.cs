namespace Skiff.Server;

/// <summary>Everything <c>skiff server</c> is told on its command line; flag names as k3s names them.</summary>
internal sealed class ServerOptions
{
    /// <summary>Address the API server listens on (<c>--bind-address</c>).</summary>
    /// <remarks>Every address, as kube-apiserver and k3s default to: pods reach the server through the <c>kubernetes</c> Service.</remarks>
    public const string DefaultBindAddress = "0.0.0.0";

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

    /// <summary>A KubeSchedulerConfiguration file for the scheduler (<c>--scheduler-config</c>, kube-scheduler's --config); default profile when unset.</summary>
    public string? SchedulerConfig { get; init; }

    /// <summary>An EncryptionConfiguration file (<c>--encryption-provider-config</c>, as kube-apiserver's); default: Secrets encrypted with the generated key.</summary>
    public string? EncryptionProviderConfig { get; init; }

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

    /// <summary>A file holding the server token (<c>--token-file</c>), instead of <c>--token</c>.</summary>
    public string? TokenFile { get; init; }

    /// <summary>
    /// The address published in the <c>kubernetes</c> Service's endpoints (<c>--advertise-address</c>); null: the bind
    /// address if it is a specific non-loopback one, else the IPv4 address of the default route's interface.
    /// </summary>
    public string? AdvertiseAddress { get; init; }

    /// <summary>The node lifecycle controller's check interval (<c>--node-monitor-period</c>); null keeps 5 s.</summary>
    public TimeSpan? NodeMonitorPeriod { get; init; }

    /// <summary>Time without a Lease renewal before a node is Unknown (<c>--node-monitor-grace-period</c>); null keeps 40 s.</summary>
    public TimeSpan? NodeMonitorGracePeriod { get; init; }

    /// <summary>The HPA reconcile interval (<c>--horizontal-pod-autoscaler-sync-period</c>); null keeps 15 s.</summary>
    public TimeSpan? HorizontalPodAutoscalerSyncPeriod { get; init; }

    /// <summary>Default not-ready toleration for pods (<c>--default-not-ready-toleration-seconds</c>).</summary>
    public long DefaultNotReadyTolerationSeconds { get; init; } = 300;

    /// <summary>Default unreachable toleration for pods (<c>--default-unreachable-toleration-seconds</c>).</summary>
    public long DefaultUnreachableTolerationSeconds { get; init; } = 300;

    /// <summary>The node's name (<c>--node-name</c>); the host name when absent.</summary>
    public string? NodeName { get; init; }

    /// <summary>The node's InternalIP (<c>--node-ip</c>); the first non-loopback IPv4 address when absent.</summary>
    public string? NodeIp { get; init; }

    /// <summary>HTTPS port of the node agent's server (<c>--kubelet-port</c>); 0 picks a free one.</summary>
    public int KubeletPort { get; init; } = 10250;

    /// <summary>An existing CRI socket to use instead of starting containerd (<c>--container-runtime-endpoint</c>).</summary>
    public string? ContainerRuntimeEndpoint { get; init; }

    /// <summary>The static pod manifest directory (<c>--pod-manifest-path</c>); null means DATA/agent/pod-manifests.</summary>
    public string? PodManifestPath { get; init; }

    /// <summary>The node agent's eviction flags (<c>--eviction-hard</c>, ...); null means kubelet's defaults.</summary>
    public Kubelet.Eviction.EvictionOptions? Eviction { get; init; }

    /// <summary>The Service proxy and cluster DNS flags (issue 9).</summary>
    public ServiceNetworkingOptions Networking { get; init; } = new();
}
