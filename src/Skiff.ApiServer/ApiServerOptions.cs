using System.Security.Cryptography.X509Certificates;

namespace Skiff.ApiServer;

/// <summary>Settings of the API server host; bound from <c>skiff server</c> flags.</summary>
public sealed class ApiServerOptions
{
    /// <summary>Address to listen on (<c>--bind-address</c>).</summary>
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>HTTPS port (<c>--https-listen-port</c>); 0 picks a free port (tests).</summary>
    public int Port { get; set; } = 6443;

    /// <summary>The serving certificate with its private key.</summary>
    public X509Certificate2? ServingCertificate { get; set; }

    /// <summary>The CA that signs client certificates; a client certificate chaining to it authenticates as CN (user) and O (groups).</summary>
    public X509Certificate2? ClientCaCertificate { get; set; }

    /// <summary>The client certificate the API server presents to node agents (pods/log), signed by the cluster CA.</summary>
    public X509Certificate2? KubeletClientCertificate { get; set; }

    /// <summary>Static bearer tokens (token → user), like kube-apiserver's <c>--token-auth-file</c>.</summary>
    public IReadOnlyDictionary<string, UserInfo> Tokens { get; set; } = new Dictionary<string, UserInfo>();

    /// <summary>
    /// The ECDSA P-256 key that signs and verifies service-account tokens (kube-apiserver's
    /// --service-account-signing-key-file); null makes a key for this process only (tests).
    /// </summary>
    public System.Security.Cryptography.ECDsa? ServiceAccountSigningKey { get; set; }

    /// <summary>The <c>iss</c> of issued service-account tokens and the only issuer accepted (--service-account-issuer).</summary>
    public string ServiceAccountIssuer { get; set; } = "https://kubernetes.default.svc.cluster.local";

    /// <summary>The audiences the API server accepts tokens for (--api-audiences); empty means the issuer.</summary>
    public IList<string> ApiAudiences { get; } = [];

    /// <summary>Largest accepted request body; Kubernetes allows 3 MiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 3 * 1024 * 1024;

    /// <summary>Longest time a non-watch request may take before it is answered 504.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many recent events each resource's watch cache keeps for watches that resume from a resourceVersion; older ones get 410 Gone.</summary>
    public int WatchCacheEvents { get; set; } = 2048;

    /// <summary>
    /// The Prometheus registry served at <c>/metrics</c>. The server command shares it with the in-process
    /// controllers so one scrape sees everything; null gives the API server a registry of its own.
    /// </summary>
    public Prometheus.CollectorRegistry? MetricsRegistry { get; set; }

    /// <summary>Longest a watch stays open when the client gives no timeoutSeconds (Kubernetes picks 30–60 min).</summary>
    public TimeSpan MaxWatchTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Admission plugins added to the built-in chain (each takes its Kubernetes place by name, see
    /// <see cref="Admission.AdmissionChain.Order"/>); for components composed into the server and for tests.
    /// </summary>
    public IList<Admission.IAdmissionPlugin> AdmissionPlugins { get; } = [];

    /// <summary>Service cluster IP and node port ranges.</summary>
    public Registry.Core.Services.ServiceNetworkOptions ServiceNetwork { get; } = new();

    /// <summary>
    /// The address other cluster members reach this API server at, published in the <c>kubernetes</c> Service's
    /// endpoints (kube-apiserver's --advertise-address); null uses the bind address, or the machine's first
    /// non-loopback IPv4 address when bound to every address.
    /// </summary>
    public string? AdvertiseAddress { get; set; }

    /// <summary>
    /// How often the resource metrics API scrapes every ready node's /metrics/resource (metrics-server's
    /// --metric-resolution); usage is the rate between the last two scrapes.
    /// </summary>
    public TimeSpan MetricResolution { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>tolerationSeconds of the not-ready NoExecute toleration added to pods without one (<c>--default-not-ready-toleration-seconds</c>, 300).</summary>
    public long DefaultNotReadyTolerationSeconds { get; set; } = 300;

    /// <summary>tolerationSeconds of the unreachable NoExecute toleration added to pods without one (<c>--default-unreachable-toleration-seconds</c>, 300).</summary>
    public long DefaultUnreachableTolerationSeconds { get; set; } = 300;
}
