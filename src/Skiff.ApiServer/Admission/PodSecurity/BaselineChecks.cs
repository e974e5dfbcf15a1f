using System.Globalization;
using k8s.Models;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>
/// The checks of the Pod Security Standards' baseline level, with Kubernetes' reasons and details
/// (k8s.io/pod-security-admission/policy, check_*.go). Each returns null when the pod passes.
/// </summary>
internal static class BaselineChecks
{
    private static readonly HashSet<string> DefaultCapabilities = new(StringComparer.Ordinal)
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP",
        "SETUID", "SYS_CHROOT",
    };

    private const string AppArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";
    private const string SeccompPodAnnotation = "seccomp.security.alpha.kubernetes.io/pod";
    private const string SeccompContainerAnnotationPrefix = "container.seccomp.security.alpha.kubernetes.io/";

    /// <summary>AppArmor: no <c>Unconfined</c> profile type on the pod or a container, and no annotation other than runtime/default or localhost/*.</summary>
    public static CheckResult? AppArmorProfile(PodView pod, int minor)
    {
        var setters = new List<string>();
        var values = new SortedSet<string>(StringComparer.Ordinal);
        if (pod.PodContext?.AppArmorProfile is { } podProfile && !AllowedAppArmorType(podProfile.Type))
        {
            setters.Add("pod");
            values.Add(podProfile.Type);
        }

        var bad = pod.Containers.Where(c => c.Context?.AppArmorProfile is { } p && !AllowedAppArmorType(p.Type)).ToList();
        foreach (var c in bad)
        {
            values.Add(c.Context!.AppArmorProfile.Type);
        }

        AddContainers(setters, bad.Select(c => c.Name).ToList());
        var annotations = pod.Annotations
            .Where(a => a.Key.StartsWith(AppArmorAnnotationPrefix, StringComparison.Ordinal)
                && !(a.Value.Length == 0 || a.Value == "runtime/default" || a.Value.StartsWith("localhost/", StringComparison.Ordinal)))
            .Select(a => $"{a.Key}={Text.GoQuote(a.Value)}")
            .Order(StringComparer.Ordinal)
            .ToList();
        var all = values.ToList();
        if (annotations.Count > 0)
        {
            all.AddRange(annotations);
            setters.Add(Text.Plural("annotation", "annotations", annotations.Count));
        }

        return setters.Count == 0
            ? null
            : new CheckResult(Text.Plural("forbidden AppArmor profile", "forbidden AppArmor profiles", all.Count),
                $"{string.Join(" and ", setters)} must not set AppArmor profile type to {Text.JoinQuote(all)}");
    }

    private static bool AllowedAppArmorType(string? type) => type is "RuntimeDefault" or "Localhost";

    /// <summary>Capabilities: only the container runtime's default set may be added.</summary>
    public static CheckResult? CapabilitiesBaseline(PodView pod, int minor)
    {
        var bad = new List<string>();
        var extra = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in pod.Containers)
        {
            var added = (c.Context?.Capabilities?.Add ?? []).Where(a => !DefaultCapabilities.Contains(a)).ToList();
            if (added.Count > 0)
            {
                bad.Add(c.Name);
                extra.UnionWith(added);
            }
        }

        return bad.Count == 0
            ? null
            : new CheckResult("non-default capabilities",
                $"{Text.Containers(bad)} must not include {Text.JoinQuote(extra)} in securityContext.capabilities.add");
    }

    /// <summary>Host namespaces: no hostNetwork, hostPID or hostIPC.</summary>
    public static CheckResult? HostNamespaces(PodView pod, int minor)
    {
        var set = new List<string>();
        if (pod.Spec.HostNetwork == true)
        {
            set.Add("hostNetwork=true");
        }

        if (pod.Spec.HostPID == true)
        {
            set.Add("hostPID=true");
        }

        if (pod.Spec.HostIPC == true)
        {
            set.Add("hostIPC=true");
        }

        return set.Count == 0 ? null : new CheckResult("host namespaces", string.Join(", ", set));
    }

    /// <summary>HostPath volumes are forbidden.</summary>
    public static CheckResult? HostPathVolumes(PodView pod, int minor)
    {
        var names = (pod.Spec.Volumes ?? []).Where(v => v.HostPath is not null).Select(v => v.Name).ToList();
        return names.Count == 0 ? null : new CheckResult("hostPath volumes", $"{Text.Plural("volume", "volumes", names.Count)} {Text.JoinQuote(names)}");
    }

    /// <summary>Host ports are forbidden.</summary>
    public static CheckResult? HostPorts(PodView pod, int minor)
    {
        var bad = new List<string>();
        var ports = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in pod.Containers)
        {
            var used = (c.Ports ?? []).Where(p => p.HostPort is { } h && h != 0).Select(p => p.HostPort!.Value.ToString(CultureInfo.InvariantCulture)).ToList();
            if (used.Count > 0)
            {
                bad.Add(c.Name);
                ports.UnionWith(used);
            }
        }

        return bad.Count == 0
            ? null
            : new CheckResult("hostPort",
                $"{Text.Containers(bad)} {Text.Plural("uses", "use", bad.Count)} {Text.Plural("hostPort", "hostPorts", ports.Count)} {string.Join(", ", ports)}");
    }

    /// <summary>Privileged containers are forbidden.</summary>
    public static CheckResult? Privileged(PodView pod, int minor)
    {
        var bad = pod.Containers.Where(c => c.Context?.Privileged == true).Select(c => c.Name).ToList();
        return bad.Count == 0 ? null : new CheckResult("privileged", $"{Text.Containers(bad)} must not set securityContext.privileged=true");
    }

    /// <summary>/proc must keep its default masks.</summary>
    public static CheckResult? ProcMount(PodView pod, int minor)
    {
        var bad = new List<string>();
        var types = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in pod.Containers)
        {
            if (c.Context?.ProcMount is { } p && p != "Default")
            {
                bad.Add(c.Name);
                types.Add(p);
            }
        }

        return bad.Count == 0
            ? null
            : new CheckResult("procMount", $"{Text.Containers(bad)} must not set securityContext.procMount to {Text.JoinQuote(types)}");
    }

    /// <summary>SELinux: only the container types; no custom user or role.</summary>
    public static CheckResult? SeLinuxOptions(PodView pod, int minor)
    {
        var allowed = minor >= 31
            ? new[] { "", "container_t", "container_init_t", "container_kvm_t", "container_engine_t" }
            : ["", "container_t", "container_init_t", "container_kvm_t"];
        var badTypes = new SortedSet<string>(StringComparer.Ordinal);
        var setUser = false;
        var setRole = false;
        bool Valid(V1SELinuxOptions o)
        {
            var valid = true;
            if (!allowed.Contains(o.Type ?? ""))
            {
                badTypes.Add(o.Type ?? "");
                valid = false;
            }

            if (!string.IsNullOrEmpty(o.User))
            {
                setUser = true;
                valid = false;
            }

            if (!string.IsNullOrEmpty(o.Role))
            {
                setRole = true;
                valid = false;
            }

            return valid;
        }

        var setters = new List<string>();
        if (pod.PodContext?.SeLinuxOptions is { } podOptions && !Valid(podOptions))
        {
            setters.Add("pod");
        }

        AddContainers(setters, pod.Containers.Where(c => c.Context?.SeLinuxOptions is { } o && !Valid(o)).Select(c => c.Name).ToList());
        if (setters.Count == 0)
        {
            return null;
        }

        var data = new List<string>();
        if (badTypes.Count > 0)
        {
            data.Add($"{Text.Plural("type", "types", badTypes.Count)} {Text.JoinQuote(badTypes)}");
        }

        if (setUser)
        {
            data.Add("user may not be set");
        }

        if (setRole)
        {
            data.Add("role may not be set");
        }

        return new CheckResult("seLinuxOptions", $"{string.Join(" and ", setters)} set forbidden securityContext.seLinuxOptions: {string.Join("; ", data)}");
    }

    /// <summary>Seccomp: a profile, if set, is RuntimeDefault or Localhost (before v1.19: the alpha annotations).</summary>
    public static CheckResult? SeccompProfileBaseline(PodView pod, int minor)
    {
        if (minor < 19)
        {
            var forbidden = new SortedSet<string>(StringComparer.Ordinal);
            if (pod.Annotations.TryGetValue(SeccompPodAnnotation, out var v) && !ValidSeccompAnnotation(v))
            {
                forbidden.Add($"{SeccompPodAnnotation}={Text.GoQuote(v)}");
            }

            foreach (var c in pod.Containers)
            {
                var key = SeccompContainerAnnotationPrefix + c.Name;
                if (pod.Annotations.TryGetValue(key, out var cv) && !ValidSeccompAnnotation(cv))
                {
                    forbidden.Add($"{key}={Text.GoQuote(cv)}");
                }
            }

            return forbidden.Count == 0
                ? null
                : new CheckResult("seccompProfile", $"forbidden {Text.Plural("annotation", "annotations", forbidden.Count)} {string.Join(", ", forbidden)}");
        }

        var setters = new List<string>();
        var values = new SortedSet<string>(StringComparer.Ordinal);
        if (pod.PodContext?.SeccompProfile is { } p && !ValidSeccomp(p.Type))
        {
            setters.Add("pod");
            values.Add(p.Type ?? "");
        }

        var bad = pod.Containers.Where(c => c.Context?.SeccompProfile is { } cp && !ValidSeccomp(cp.Type)).ToList();
        foreach (var c in bad)
        {
            values.Add(c.Context!.SeccompProfile.Type ?? "");
        }

        AddContainers(setters, bad.Select(c => c.Name).ToList());
        return setters.Count == 0
            ? null
            : new CheckResult("seccompProfile", $"{string.Join(" and ", setters)} must not set securityContext.seccompProfile.type to {Text.JoinQuote(values)}");
    }

    internal static bool ValidSeccomp(string? type) => type is "RuntimeDefault" or "Localhost";

    private static bool ValidSeccompAnnotation(string v) =>
        v is "runtime/default" or "docker/default" || v.StartsWith("localhost/", StringComparison.Ordinal);

    /// <summary>Sysctls: only the namespaced, isolated "safe" set of the policy version.</summary>
    public static CheckResult? Sysctls(PodView pod, int minor)
    {
        var forbidden = (pod.PodContext?.Sysctls ?? []).Select(s => s.Name).Where(n => !SafeSysctl(n, minor)).ToList();
        return forbidden.Count == 0 ? null : new CheckResult("forbidden sysctls", string.Join(", ", forbidden));
    }

    private static bool SafeSysctl(string name, int minor) => name switch
    {
        "kernel.shm_rmid_forced" or "net.ipv4.ip_local_port_range" or "net.ipv4.tcp_syncookies" or "net.ipv4.ping_group_range"
            or "net.ipv4.ip_unprivileged_port_start" => true,
        "net.ipv4.ip_local_reserved_ports" => minor >= 27,
        "net.ipv4.tcp_keepalive_time" or "net.ipv4.tcp_fin_timeout" or "net.ipv4.tcp_keepalive_intvl" or "net.ipv4.tcp_keepalive_probes" => minor >= 29,
        "net.ipv4.tcp_rmem" or "net.ipv4.tcp_wmem" => minor >= 32,
        _ => false,
    };

    /// <summary>Windows HostProcess pods and containers are forbidden.</summary>
    public static CheckResult? WindowsHostProcess(PodView pod, int minor)
    {
        var setters = new List<string>();
        if (pod.PodContext?.WindowsOptions?.HostProcess == true)
        {
            setters.Add("pod");
        }

        AddContainers(setters, pod.Containers.Where(c => c.Context?.WindowsOptions?.HostProcess == true).Select(c => c.Name).ToList());
        return setters.Count == 0
            ? null
            : new CheckResult("hostProcess", $"{string.Join(" and ", setters)} must not set securityContext.windowsOptions.hostProcess=true");
    }

    internal static void AddContainers(List<string> setters, IReadOnlyList<string> names)
    {
        if (names.Count > 0)
        {
            setters.Add(Text.Containers(names));
        }
    }
}
