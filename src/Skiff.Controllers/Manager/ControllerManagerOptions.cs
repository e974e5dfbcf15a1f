using Prometheus;
using Skiff.Client.LeaderElection;

namespace Skiff.Controllers.Manager;

/// <summary>Settings of the controller manager; worker counts are kube-controller-manager's --concurrent-*-syncs defaults.</summary>
public sealed class ControllerManagerOptions
{
    /// <summary>Whether to run only while holding the kube-controller-manager Lease (<c>--leader-elect</c>).</summary>
    public bool LeaderElect { get; set; } = true;

    public LeaderElectionOptions LeaderElection { get; set; } = new();

    /// <summary>
    /// Where queue depth, work duration and reconcile errors go (prometheus-net's default registry unless a host
    /// shares its own, e.g. the API server's, so they appear at its <c>/metrics</c>).
    /// </summary>
    public CollectorRegistry MetricsRegistry { get; set; } = Prometheus.Metrics.DefaultRegistry;

    /// <summary>How often informers redeliver every object (level-triggered safety net).</summary>
    public TimeSpan ResyncPeriod { get; set; } = TimeSpan.FromMinutes(10);

    public int DeploymentWorkers { get; set; } = 5;

    public int ReplicaSetWorkers { get; set; } = 5;

    public int ReplicationControllerWorkers { get; set; } = 5;

    public int GarbageCollectorWorkers { get; set; } = 20;

    public int NamespaceWorkers { get; set; } = 10;

    public int ServiceAccountWorkers { get; set; } = 1;

    public int EndpointWorkers { get; set; } = 5;

    public int TtlAfterFinishedWorkers { get; set; } = 5;

    /// <summary>How often the pod garbage collector looks for pods to remove (<c>gcCheckPeriod</c>).</summary>
    public TimeSpan PodGcPeriod { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Terminated pods kept before the oldest are deleted (<c>--terminated-pod-gc-threshold</c>).</summary>
    public int TerminatedPodGcThreshold { get; set; } = 12500;

    /// <summary>
    /// Where the local-path provisioner (StorageClass <c>local-path</c>) creates volume directories; <c>skiff server</c>
    /// sets <c>&lt;data dir&gt;/storage</c>. Null runs no provisioner (claims of the class then wait).
    /// </summary>
    public string? LocalPathStorageDirectory { get; set; }

    /// <summary>The node this process runs on (as the kubelet names it: the host name in lower case), whose disk holds local-path volumes.</summary>
    public string NodeName { get; set; } = Environment.MachineName.ToLowerInvariant();

    /// <summary>Workers of the pvc-protection controller (kube-controller-manager runs one).</summary>
    public int PvcProtectionWorkers { get; set; } = 1;

    public NodesAndAutoscalingOptions NodesAndAutoscaling { get; set; } = new();

    /// <summary>
    /// The cluster CA certificate (PEM) the root-ca-cert-publisher puts into every namespace as the
    /// <c>kube-root-ca.crt</c> ConfigMap; null leaves that controller off.
    /// </summary>
    public string? RootCaCertificatePem { get; set; }

    /// <summary>
    /// The cluster CA with its private key, which signs approved certificate signing requests of the built-in signers
    /// (kube-controller-manager's --cluster-signing-cert-file/--cluster-signing-key-file); null leaves csrsigning off.
    /// </summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClusterSigningCertificate { get; set; }

    /// <summary>
    /// Signs the legacy tokens of <c>kubernetes.io/service-account-token</c> Secrets (kube-controller-manager's
    /// --service-account-private-key-file); null: the serviceaccount-token controller does not run.
    /// </summary>
    public ServiceAccount.LegacyTokenSigner? LegacyTokenSigner { get; set; }

    /// <summary>Run the built-in load balancer (ServiceLB); off when the cluster uses another implementation (k3s's <c>--disable servicelb</c>).</summary>
    public bool ServiceLb { get; set; } = true;
}
