using System.Net;

namespace Skiff.Kubelet.Node;

/// <summary>Settings of one node agent (kubelet's flags and KubeletConfiguration, the parts Skiff has).</summary>
internal sealed class NodeAgentOptions
{
    /// <summary>The Node's name (kubelet's --hostname-override); defaults to the host name.</summary>
    public required string NodeName { get; init; }

    /// <summary>Skiff's data directory; the agent keeps its files under <c>DATA/agent</c>.</summary>
    public required string DataDir { get; init; }

    /// <summary>The node's InternalIP, also the address the agent's HTTPS server listens on.</summary>
    public required IPAddress NodeAddress { get; init; }

    /// <summary>HTTPS port of the agent's server (logs); 0 picks a free one, reported in daemonEndpoints.</summary>
    public int KubeletPort { get; init; } = 10250;

    /// <summary>The cgroup under which pods' cgroups go (cgroupfs driver); unique per agent on a shared machine.</summary>
    public string CgroupRoot { get; init; } = "/skiff";

    /// <summary>The cluster's pod range; the part this node does not own gets an unreachable route.</summary>
    public string ClusterCidr { get; init; } = "10.42.0.0/16";

    /// <summary>The Service range; routed to the pod bridge so ClusterIPs work from the node and never leave it (DESIGN §4).</summary>
    public string ServiceCidr { get; init; } = "10.43.0.0/16";

    /// <summary>The cluster DNS server given to ClusterFirst pods.</summary>
    public string ClusterDns { get; init; } = "10.43.0.10";

    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>The node's resolver configuration (kubelet's --resolv-conf): dnsPolicy Default uses it, ClusterFirst
    /// appends its search domains; empty means none.</summary>
    public string ResolvConf { get; init; } = "/etc/resolv.conf";

    /// <summary>Version reported as nodeInfo.kubeletVersion (the API level Skiff implements).</summary>
    public string KubeletVersion { get; init; } = "v1.33.0+skiff";

    /// <summary>How often the node's Lease is renewed (kubelet's default, 10 s).</summary>
    public TimeSpan LeaseRenewInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the node status is checked for changes (nodeStatusUpdateFrequency).</summary>
    public TimeSpan StatusUpdateInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The status is written at least this often even when nothing changed (nodeStatusReportFrequency).</summary>
    public TimeSpan StatusReportInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The static pod manifest directory (kubelet's staticPodPath, <c>--pod-manifest-path</c>); null runs no static pods.
    /// <c>skiff server</c> and <c>skiff agent</c> default it to <c>DATA/agent/pod-manifests</c>.
    /// </summary>
    public string? StaticPodPath { get; init; }

    /// <summary>How often the manifest directory is read even without a change notice (kubelet's fileCheckFrequency is 20 s).</summary>
    public TimeSpan StaticPodCheckInterval { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Pod sandboxes the agent asks the runtime to start at once (<see cref="Pods.PodStartGate"/>); 0 means no limit.
    /// The default, one more than the cores, measured best on a 2-core node starting 100 pods (bench/README.md).
    /// </summary>
    public int MaxParallelSandboxStarts { get; init; } = Environment.ProcessorCount + 1;

    /// <summary>How long one sandbox start keeps its slot at most; a slower (stuck) start then no longer holds up other pods.</summary>
    public TimeSpan SandboxStartSlotLimit { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the runtime's containers are relisted to notice exits (kubelet's PLEG relist period).</summary>
    public TimeSpan RelistInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Node-pressure eviction: thresholds, transition period, grace periods and monitoring interval (kubelet's eviction flags).</summary>
    public Eviction.EvictionOptions Eviction { get; init; } = Kubelet.Eviction.EvictionOptions.Default;

    /// <summary>
    /// Picks the HTTPS server's certificate per connection when set (a joined agent swaps its temporary certificate for
    /// the one its kubelet-serving CertificateSigningRequest gets); null serves the certificate the agent was started with.
    /// </summary>
    public Func<System.Security.Cryptography.X509Certificates.X509Certificate2>? ServingCertificateSelector { get; init; }
}
