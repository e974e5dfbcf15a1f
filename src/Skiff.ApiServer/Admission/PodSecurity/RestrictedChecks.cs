using k8s.Models;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>
/// The checks the restricted level adds to baseline, with Kubernetes' reasons and details
/// (k8s.io/pod-security-admission/policy). Each returns null when the pod passes.
/// </summary>
internal static class RestrictedChecks
{
    /// <summary>Since v1.25 a pod that declares <c>spec.os.name: windows</c> is exempt from the Linux-only checks.</summary>
    private static bool WindowsExempt(PodView pod, int minor) => minor >= 25 && pod.Spec.Os?.Name == "windows";

    public static CheckResult? AllowPrivilegeEscalation(PodView pod, int minor)
    {
        if (WindowsExempt(pod, minor))
        {
            return null;
        }

        var bad = pod.Containers.Where(c => c.Context?.AllowPrivilegeEscalation != false).Select(c => c.Name).ToList();
        return bad.Count == 0
            ? null
            : new CheckResult("allowPrivilegeEscalation != false", $"{Text.Containers(bad)} must set securityContext.allowPrivilegeEscalation=false");
    }

    public static CheckResult? CapabilitiesRestricted(PodView pod, int minor)
    {
        if (WindowsExempt(pod, minor))
        {
            return null;
        }

        var missingDrop = new List<string>();
        var adding = new List<string>();
        var forbidden = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var c in pod.Containers)
        {
            var caps = c.Context?.Capabilities;
            if (caps is null)
            {
                missingDrop.Add(c.Name);
                continue;
            }

            if (!(caps.Drop ?? []).Contains("ALL"))
            {
                missingDrop.Add(c.Name);
            }

            var added = (caps.Add ?? []).Where(a => a != "NET_BIND_SERVICE").ToList();
            if (added.Count > 0)
            {
                adding.Add(c.Name);
                forbidden.UnionWith(added);
            }
        }

        var details = new List<string>();
        if (missingDrop.Count > 0)
        {
            details.Add($"{Text.Containers(missingDrop)} must set securityContext.capabilities.drop=[\"ALL\"]");
        }

        if (adding.Count > 0)
        {
            details.Add($"{Text.Containers(adding)} must not include {Text.JoinQuote(forbidden)} in securityContext.capabilities.add");
        }

        return details.Count == 0 ? null : new CheckResult("unrestricted capabilities", string.Join("; ", details));
    }

    /// <summary>Only volume types that are safe without a PersistentVolume's admin vetting.</summary>
    public static CheckResult? RestrictedVolumes(PodView pod, int minor)
    {
        var badNames = new List<string>();
        var badTypes = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var v in pod.Spec.Volumes ?? [])
        {
            if (v.ConfigMap is not null || v.Csi is not null || v.DownwardAPI is not null || v.EmptyDir is not null || v.Ephemeral is not null
                || v.PersistentVolumeClaim is not null || v.Projected is not null || v.Secret is not null)
            {
                continue;
            }

            badNames.Add(v.Name);
            badTypes.Add(VolumeType(v));
        }

        return badNames.Count == 0
            ? null
            : new CheckResult("restricted volume types",
                $"{Text.Plural("volume", "volumes", badNames.Count)} {Text.JoinQuote(badNames)} {Text.Plural("uses", "use", badNames.Count)} " +
                $"{Text.Plural("restricted volume type", "restricted volume types", badTypes.Count)} {Text.JoinQuote(badTypes)}");
    }

    private static string VolumeType(V1Volume v) => v switch
    {
        { HostPath: not null } => "hostPath",
        { GcePersistentDisk: not null } => "gcePersistentDisk",
        { AwsElasticBlockStore: not null } => "awsElasticBlockStore",
        { GitRepo: not null } => "gitRepo",
        { Nfs: not null } => "nfs",
        { Iscsi: not null } => "iscsi",
        { Glusterfs: not null } => "glusterfs",
        { Rbd: not null } => "rbd",
        { FlexVolume: not null } => "flexVolume",
        { Cinder: not null } => "cinder",
        { Cephfs: not null } => "cephfs",
        { Flocker: not null } => "flocker",
        { Fc: not null } => "fc",
        { AzureFile: not null } => "azureFile",
        { VsphereVolume: not null } => "vsphereVolume",
        { Quobyte: not null } => "quobyte",
        { AzureDisk: not null } => "azureDisk",
        { PhotonPersistentDisk: not null } => "photonPersistentDisk",
        { PortworxVolume: not null } => "portworxVolume",
        { ScaleIO: not null } => "scaleIO",
        { Storageos: not null } => "storageos",
        { Image: not null } => "image",
        _ => "unknown",
    };

    public static CheckResult? RunAsNonRoot(PodView pod, int minor)
    {
        var setters = new List<string>();
        var podNonRoot = false;
        if (pod.PodContext?.RunAsNonRoot is { } podValue)
        {
            if (!podValue)
            {
                setters.Add("pod");
            }
            else
            {
                podNonRoot = true;
            }
        }

        var explicitBad = new List<string>();
        var implicitBad = new List<string>();
        foreach (var c in pod.Containers)
        {
            if (c.Context?.RunAsNonRoot is { } v)
            {
                if (!v)
                {
                    explicitBad.Add(c.Name);
                }
            }
            else if (!podNonRoot)
            {
                implicitBad.Add(c.Name);
            }
        }

        BaselineChecks.AddContainers(setters, explicitBad);
        if (setters.Count > 0)
        {
            return new CheckResult("runAsNonRoot != true", $"{string.Join(" and ", setters)} must not set securityContext.runAsNonRoot=false");
        }

        return implicitBad.Count == 0
            ? null
            : new CheckResult("runAsNonRoot != true", $"pod or {Text.Containers(implicitBad)} must set securityContext.runAsNonRoot=true");
    }

    public static CheckResult? RunAsUser(PodView pod, int minor)
    {
        var setters = new List<string>();
        if (pod.PodContext?.RunAsUser == 0)
        {
            setters.Add("pod");
        }

        BaselineChecks.AddContainers(setters, pod.Containers.Where(c => c.Context?.RunAsUser == 0).Select(c => c.Name).ToList());
        return setters.Count == 0 ? null : new CheckResult("runAsUser=0", $"{string.Join(" and ", setters)} must not set runAsUser=0");
    }

    public static CheckResult? SeccompProfileRestricted(PodView pod, int minor)
    {
        if (WindowsExempt(pod, minor))
        {
            return null;
        }

        var setters = new List<string>();
        var values = new SortedSet<string>(StringComparer.Ordinal);
        var podSet = false;
        if (pod.PodContext?.SeccompProfile is { } p)
        {
            if (!BaselineChecks.ValidSeccomp(p.Type))
            {
                setters.Add("pod");
                values.Add(p.Type ?? "");
            }
            else
            {
                podSet = true;
            }
        }

        var explicitBad = new List<string>();
        var implicitBad = new List<string>();
        foreach (var c in pod.Containers)
        {
            if (c.Context?.SeccompProfile is { } cp)
            {
                if (!BaselineChecks.ValidSeccomp(cp.Type))
                {
                    explicitBad.Add(c.Name);
                    values.Add(cp.Type ?? "");
                }
            }
            else if (!podSet)
            {
                implicitBad.Add(c.Name);
            }
        }

        BaselineChecks.AddContainers(setters, explicitBad);
        if (setters.Count > 0)
        {
            return new CheckResult("seccompProfile", $"{string.Join(" and ", setters)} must not set securityContext.seccompProfile.type to {Text.JoinQuote(values)}");
        }

        return implicitBad.Count == 0
            ? null
            : new CheckResult("seccompProfile",
                $"pod or {Text.Containers(implicitBad)} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\"");
    }
}
