namespace Skiff.Kubelet.Host;

/// <summary>Where the node agent keeps its files, all under <c>DATA/agent</c> so several agents on one machine never share state.</summary>
internal sealed class AgentPaths(string dataDir)
{
    public string Root { get; } = Path.Combine(Path.GetFullPath(dataDir), "agent");

    public string ContainerdDirectory => Path.Combine(Root, "containerd");

    public string ContainerdConfig => Path.Combine(ContainerdDirectory, "config.toml");

    public string ContainerdRoot => Path.Combine(ContainerdDirectory, "root");

    public string ContainerdState => Path.Combine(ContainerdDirectory, "state");

    public string ContainerdSocket => Path.Combine(ContainerdDirectory, "containerd.sock");

    public string ContainerdLog => Path.Combine(ContainerdDirectory, "containerd.log");

    /// <summary>containerd's registry hosts directory (<c>certs.d/HOST/hosts.toml</c>).</summary>
    public string RegistryHosts => Path.Combine(Root, "etc", "containerd", "certs.d");

    public string CniConfDirectory => Path.Combine(Root, "etc", "cni", "net.d");

    /// <summary>host-local IPAM's allocation records.</summary>
    public string CniDataDirectory => Path.Combine(Root, "cni", "networks");

    /// <summary>CRI log directories, one per pod: <c>pods/NS_NAME_UID/CONTAINER/N.log</c> (kubelet's /var/log/pods layout).</summary>
    public string PodLogs => Path.Combine(Root, "pods");

    public string PodsData => Path.Combine(Root, "pod-data");

    public string StaticPodManifests => Path.Combine(Root, "pod-manifests");

    public string TlsDirectory => Path.Combine(Root, "tls");
}
