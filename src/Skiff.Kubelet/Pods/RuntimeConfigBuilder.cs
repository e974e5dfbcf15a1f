using k8s.Models;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Network;
using Skiff.Kubelet.Node;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Turns a pod spec into CRI sandbox and container configs the way kubelet's kuberuntime does (labels, log paths,
/// DNS, port mappings, namespaces, cgroup parent per QoS class, CPU shares/quota, memory limit, OOM score,
/// security context). Pure: no I/O.
/// </summary>
internal static class RuntimeConfigBuilder
{
    /// <summary>kubelet's CFS period (100 ms) and minimums.</summary>
    private const long CpuPeriod = 100_000;
    private const long MinShares = 2;
    private const long MinQuota = 1000;

    private static readonly string[] DefaultMaskedPaths = ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"];
    private static readonly string[] DefaultReadonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    /// <summary>The pod's log directory, <c>NS_NAME_UID</c> under the agent's pods log root.</summary>
    public static string LogDirectory(string podLogsRoot, V1Pod pod) =>
        Path.Combine(podLogsRoot, $"{pod.Metadata.NamespaceProperty}_{pod.Metadata.Name}_{pod.Metadata.Uid}");

    public static PodSandboxConfig Sandbox(V1Pod pod, uint attempt, NodeAgentOptions options, string podLogsRoot)
    {
        var spec = pod.Spec;
        var hostNetwork = spec.HostNetwork == true;
        var config = new PodSandboxConfig
        {
            Metadata = new PodSandboxMetadata { Name = pod.Metadata.Name, Namespace = pod.Metadata.NamespaceProperty, Uid = pod.Metadata.Uid, Attempt = attempt },
            Hostname = hostNetwork ? string.Empty : Truncate(spec.Hostname ?? pod.Metadata.Name, 63),
            LogDirectory = LogDirectory(podLogsRoot, pod),
            DnsConfig = Dns(pod, options, HostDnsConfig.Read(options.ResolvConf)),
            Linux = new LinuxPodSandboxConfig
            {
                CgroupParent = CgroupParent(pod, options.CgroupRoot),
                SecurityContext = new LinuxSandboxSecurityContext
                {
                    NamespaceOptions = Namespaces(spec),
                    Privileged = spec.Containers.Concat(spec.InitContainers ?? []).Any(c => c.SecurityContext?.Privileged == true),
                },
            },
        };
        if (spec.SecurityContext is { } psc)
        {
            if (psc.RunAsUser is { } uid)
            {
                config.Linux.SecurityContext.RunAsUser = new Int64Value { Value = uid };
            }

            if (psc.RunAsGroup is { } gid)
            {
                config.Linux.SecurityContext.RunAsGroup = new Int64Value { Value = gid };
            }

            config.Linux.SecurityContext.SupplementalGroups.AddRange((psc.SupplementalGroups ?? []).OfType<long>());
            foreach (var sysctl in psc.Sysctls ?? [])
            {
                config.Linux.Sysctls[sysctl.Name] = sysctl.Value;
            }
        }

        AddPodLabels(config.Labels, pod);
        foreach (var (k, v) in pod.Metadata.Labels ?? new Dictionary<string, string>())
        {
            config.Labels.TryAdd(k, v);
        }

        foreach (var (k, v) in pod.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            config.Annotations[k] = v;
        }

        foreach (var container in spec.Containers)
        {
            foreach (var port in container.Ports ?? [])
            {
                if (port.HostPort is > 0 or null && port.HostPort is { } hostPort && !hostNetwork)
                {
                    config.PortMappings.Add(new PortMapping
                    {
                        ContainerPort = port.ContainerPort,
                        HostPort = hostPort,
                        HostIp = port.HostIP ?? string.Empty,
                        Protocol = port.Protocol switch { "UDP" => Protocol.Udp, "SCTP" => Protocol.Sctp, _ => Protocol.Tcp },
                    });
                }
            }
        }

        return config;
    }

    /// <summary>The container's CRI config; <paramref name="env"/>, <paramref name="command"/>, <paramref name="args"/> already resolved and expanded.</summary>
    public static ContainerConfig Container(
        V1Pod pod,
        V1Container container,
        uint attempt,
        IReadOnlyList<KeyValuePair<string, string>> env,
        IReadOnlyList<string>? command,
        IReadOnlyList<string>? args,
        IReadOnlyList<Mount> mounts,
        long nodeMemoryBytes)
    {
        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = container.Name, Attempt = attempt },
            Image = new ImageSpec { Image = container.Image, UserSpecifiedImage = container.Image },
            WorkingDir = container.WorkingDir ?? string.Empty,
            LogPath = Path.Combine(container.Name, $"{attempt}.log"),
            Stdin = container.Stdin == true,
            StdinOnce = container.StdinOnce == true,
            Tty = container.Tty == true,
            Linux = new LinuxContainerConfig
            {
                Resources = Resources(pod, container, nodeMemoryBytes),
                SecurityContext = SecurityContext(pod, container),
            },
        };
        config.Command.AddRange(command ?? []);
        config.Args.AddRange(args ?? []);
        config.Envs.AddRange(env.Select(kv => new KeyValue { Key = kv.Key, Value = kv.Value }));
        config.Mounts.AddRange(mounts);
        AddPodLabels(config.Labels, pod);
        config.Labels[KubeletLabels.ContainerName] = container.Name;
        config.Annotations[KubeletLabels.RestartCount] = attempt.ToString(System.Globalization.CultureInfo.InvariantCulture);
        config.Annotations[KubeletLabels.TerminationGracePeriod] = (pod.Spec.TerminationGracePeriodSeconds ?? 30).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return config;
    }

    public static LinuxContainerResources Resources(V1Pod pod, V1Container container, long nodeMemoryBytes)
    {
        var requests = container.Resources?.Requests;
        var limits = container.Resources?.Limits;
        var cpuRequest = Milli(requests, "cpu") ?? Milli(limits, "cpu");
        var cpuLimit = Milli(limits, "cpu");
        var memoryLimit = Bytes(limits, "memory");
        var memoryRequest = Bytes(requests, "memory") ?? memoryLimit;
        var resources = new LinuxContainerResources
        {
            CpuShares = cpuRequest is { } req ? Math.Max(MinShares, req * 1024 / 1000) : MinShares,
            MemoryLimitInBytes = memoryLimit ?? 0,
            OomScoreAdj = OomScoreAdj(pod.Status?.QosClass ?? "BestEffort", memoryRequest ?? 0, nodeMemoryBytes),
        };
        if (cpuLimit is { } limit)
        {
            resources.CpuPeriod = CpuPeriod;
            resources.CpuQuota = Math.Max(MinQuota, limit * CpuPeriod / 1000);
        }

        return resources;
    }

    /// <summary>kubelet's OOM score policy: Guaranteed -997, BestEffort 1000, Burstable by memory request share (2..999).</summary>
    public static long OomScoreAdj(string qosClass, long memoryRequest, long nodeMemoryBytes)
    {
        switch (qosClass)
        {
            case "Guaranteed":
                return -997;
            case "BestEffort":
                return 1000;
        }

        if (nodeMemoryBytes <= 0)
        {
            return 999;
        }

        var score = 1000 - (1000 * memoryRequest / nodeMemoryBytes);
        return Math.Clamp(score, 2, 999);
    }

    private static LinuxContainerSecurityContext SecurityContext(V1Pod pod, V1Container container)
    {
        var psc = pod.Spec.SecurityContext;
        var csc = container.SecurityContext;
        var sc = new LinuxContainerSecurityContext
        {
            NamespaceOptions = Namespaces(pod.Spec),
            Privileged = csc?.Privileged == true,
            ReadonlyRootfs = csc?.ReadOnlyRootFilesystem == true,
            NoNewPrivs = csc?.AllowPrivilegeEscalation == false,
        };
        if ((csc?.RunAsUser ?? psc?.RunAsUser) is { } uid)
        {
            sc.RunAsUser = new Int64Value { Value = uid };
        }

        if ((csc?.RunAsGroup ?? psc?.RunAsGroup) is { } gid)
        {
            sc.RunAsGroup = new Int64Value { Value = gid };
        }

        sc.SupplementalGroups.AddRange((psc?.SupplementalGroups ?? []).OfType<long>());
        if (psc?.FsGroup is { } fsGroup)
        {
            sc.SupplementalGroups.Add(fsGroup);
        }

        if (csc?.Capabilities is { } caps)
        {
            sc.Capabilities = new Capability();
            sc.Capabilities.AddCapabilities.AddRange((caps.Add ?? []).Select(CapabilityName));
            sc.Capabilities.DropCapabilities.AddRange((caps.Drop ?? []).Select(CapabilityName));
        }

        if (!sc.Privileged)
        {
            sc.MaskedPaths.AddRange(DefaultMaskedPaths);
            sc.ReadonlyPaths.AddRange(DefaultReadonlyPaths);
        }

        return sc;
    }

    /// <summary>CRI wants capability names as Kubernetes writes them (NET_ADMIN) or "ALL"; containerd adds the CAP_ prefix.</summary>
    private static string CapabilityName(string name) => name.StartsWith("CAP_", StringComparison.OrdinalIgnoreCase) ? name[4..] : name;

    private static NamespaceOption Namespaces(V1PodSpec spec) => new()
    {
        Network = spec.HostNetwork == true ? NamespaceMode.Node : NamespaceMode.Pod,
        Pid = spec.HostPID == true ? NamespaceMode.Node : spec.ShareProcessNamespace == true ? NamespaceMode.Pod : NamespaceMode.Container,
        Ipc = spec.HostIPC == true ? NamespaceMode.Node : NamespaceMode.Pod,
    };

    /// <summary>kubelet's pod cgroup under the QoS tier (cgroupfs driver): ROOT/pod&lt;uid&gt;, ROOT/burstable/pod&lt;uid&gt;, ROOT/besteffort/pod&lt;uid&gt;.</summary>
    public static string CgroupParent(V1Pod pod, string cgroupRoot)
    {
        var root = cgroupRoot.TrimEnd('/');
        return (pod.Status?.QosClass) switch
        {
            "Guaranteed" => $"{root}/pod{pod.Metadata.Uid}",
            "Burstable" => $"{root}/burstable/pod{pod.Metadata.Uid}",
            _ => $"{root}/besteffort/pod{pod.Metadata.Uid}",
        };
    }

    /// <summary>Most nameservers a resolver uses (glibc's MAXNS); kubelet drops the rest.</summary>
    public const int MaxNameservers = 3;

    /// <summary>
    /// The DNS config of kubelet's dnsPolicy (pkg/kubelet/network/dns): ClusterFirst (and ClusterFirstWithHostNet)
    /// uses the cluster DNS server, the namespace search path followed by the node's search domains, and ndots:5;
    /// Default, and ClusterFirst on the host network, use the node's resolv.conf (<paramref name="host"/>); None starts
    /// empty. <c>spec.dnsConfig</c> is then merged in: nameservers and searches appended without duplicates, options
    /// replacing ones of the same name. Always explicit, so containerd never falls back to its own /etc/resolv.conf.
    /// </summary>
    public static DNSConfig Dns(V1Pod pod, NodeAgentOptions options, HostDnsConfig? host = null)
    {
        host ??= HostDnsConfig.Empty;
        var spec = pod.Spec;
        var policy = spec.DnsPolicy ?? "ClusterFirst";
        var dns = new DNSConfig();
        var clusterFirst = !string.IsNullOrEmpty(options.ClusterDns)
            && (policy == "ClusterFirstWithHostNet" || (policy == "ClusterFirst" && spec.HostNetwork != true));
        if (clusterFirst)
        {
            dns.Servers.Add(options.ClusterDns);
            dns.Searches.Add($"{pod.Metadata.NamespaceProperty}.svc.{options.ClusterDomain}");
            dns.Searches.Add($"svc.{options.ClusterDomain}");
            dns.Searches.Add(options.ClusterDomain);
            dns.Searches.AddRange(host.Searches.Where(s => !dns.Searches.Contains(s)));
            dns.Options.Add("ndots:5");
        }
        else if (policy != "None")
        {
            dns.Servers.AddRange(host.Servers.Distinct());
            dns.Searches.AddRange(host.Searches.Distinct());
            dns.Options.AddRange(host.Options.Distinct());
        }

        if (spec.DnsConfig is { } extra)
        {
            dns.Servers.AddRange((extra.Nameservers ?? []).Where(s => !dns.Servers.Contains(s)));
            dns.Searches.AddRange((extra.Searches ?? []).Where(s => !dns.Searches.Contains(s)));
            foreach (var option in extra.Options ?? [])
            {
                var text = option.Value is null ? option.Name : $"{option.Name}:{option.Value}";
                foreach (var existing in dns.Options.Where(o => o.Split(':')[0] == option.Name).ToList())
                {
                    dns.Options.Remove(existing);
                }

                dns.Options.Add(text);
            }
        }

        while (dns.Servers.Count > MaxNameservers)
        {
            dns.Servers.RemoveAt(dns.Servers.Count - 1);
        }

        return dns;
    }

    private static void AddPodLabels(Google.Protobuf.Collections.MapField<string, string> labels, V1Pod pod)
    {
        labels[KubeletLabels.PodName] = pod.Metadata.Name;
        labels[KubeletLabels.PodNamespace] = pod.Metadata.NamespaceProperty;
        labels[KubeletLabels.PodUid] = pod.Metadata.Uid;
    }

    private static long? Milli(IDictionary<string, ResourceQuantity>? map, string name) =>
        map is not null && map.TryGetValue(name, out var q) ? (long)Math.Ceiling(q.ToDecimal() * 1000) : null;

    private static long? Bytes(IDictionary<string, ResourceQuantity>? map, string name) =>
        map is not null && map.TryGetValue(name, out var q) ? (long)q.ToDecimal() : null;

    private static string Truncate(string value, int max) => value.Length <= max ? value : value[..max].TrimEnd('-', '.');
}
