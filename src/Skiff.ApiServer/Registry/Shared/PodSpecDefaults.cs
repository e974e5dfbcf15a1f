using k8s.Models;

namespace Skiff.ApiServer.Registry.Shared;

/// <summary>
/// The API defaults of a pod spec, as kube-apiserver's core/v1 defaulters apply them on every decode
/// (pkg/apis/core/v1/defaults.go and the generated recursion into containers, probes, ports, env and volumes).
/// <see cref="Apply"/> is what every PodSpec gets, a Pod's and every workload template's alike (pod templates,
/// replication controllers, deployments, jobs, ...); <see cref="ApplyPodOnly"/> adds what only a Pod gets
/// (SetDefaults_Pod), so that controllers' pods get those defaults when they are created rather than the template.
/// Pure functions of their input: no I/O, idempotent.
/// </summary>
internal static class PodSpecDefaults
{
    /// <summary>0644, the default file mode of secret, configMap, downwardAPI and projected volumes.</summary>
    public const int DefaultVolumeMode = 420;

    /// <summary>Defaults the template's spec (templates carry no other defaults).</summary>
    public static void ApplyTemplate(V1PodTemplateSpec? template)
    {
        if (template is null)
        {
            return;
        }

        template.Spec ??= new V1PodSpec();
        Apply(template.Spec);
    }

    /// <summary>SetDefaults_PodSpec plus the container, port, probe, env and volume defaults; a missing spec is left alone.</summary>
    public static void Apply(V1PodSpec? spec)
    {
        if (spec is null)
        {
            return;
        }

        if (string.IsNullOrEmpty(spec.DnsPolicy))
        {
            spec.DnsPolicy = "ClusterFirst";
        }

        if (string.IsNullOrEmpty(spec.RestartPolicy))
        {
            spec.RestartPolicy = "Always";
        }

        spec.SecurityContext ??= new V1PodSecurityContext();
        spec.TerminationGracePeriodSeconds ??= 30;
        if (string.IsNullOrEmpty(spec.SchedulerName))
        {
            spec.SchedulerName = "default-scheduler";
        }

        // v1 keeps the deprecated serviceAccount field in step with serviceAccountName on every PodSpec:
        // conversion reads the old field when the new one is empty and writes the new one back on output.
        if (string.IsNullOrEmpty(spec.ServiceAccountName) && !string.IsNullOrEmpty(spec.ServiceAccount))
        {
            spec.ServiceAccountName = spec.ServiceAccount;
        }

        if (!string.IsNullOrEmpty(spec.ServiceAccountName))
        {
            spec.ServiceAccount = spec.ServiceAccountName;
        }

        foreach (var c in spec.InitContainers ?? [])
        {
            Container(c);
        }

        foreach (var c in spec.Containers ?? [])
        {
            Container(c);
        }

        foreach (var c in spec.EphemeralContainers ?? [])
        {
            EphemeralContainer(c);
        }

        foreach (var v in spec.Volumes ?? [])
        {
            Volume(v);
        }
    }

    /// <summary>
    /// SetDefaults_Pod: what a Pod gets beyond its template's defaults — requests copied from limits,
    /// enableServiceLinks true, and host ports equal to container ports with host networking. Templates
    /// keep these unset (kube-apiserver defaults them only on Pod objects).
    /// </summary>
    public static void ApplyPodOnly(V1PodSpec? spec)
    {
        if (spec is null)
        {
            return;
        }

        foreach (var c in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
        {
            if (c.Resources?.Limits is { Count: > 0 } limits)
            {
                c.Resources.Requests ??= new Dictionary<string, ResourceQuantity>();
                foreach (var (name, quantity) in limits)
                {
                    // A copy: the request must not change when the limit object is later edited in place.
                    c.Resources.Requests.TryAdd(name, new ResourceQuantity(quantity.ToString()));
                }
            }

            if (spec.HostNetwork == true)
            {
                foreach (var p in c.Ports ?? [])
                {
                    if (p.HostPort is null or 0)
                    {
                        p.HostPort = p.ContainerPort;
                    }
                }
            }
        }

        spec.EnableServiceLinks ??= true;
    }

    /// <summary>SetDefaults_Container and the defaults of what a container holds.</summary>
    public static void Container(V1Container c)
    {
        c.ImagePullPolicy = Or(c.ImagePullPolicy, PullPolicyFor(c.Image));
        c.TerminationMessagePath = Or(c.TerminationMessagePath, "/dev/termination-log");
        c.TerminationMessagePolicy = Or(c.TerminationMessagePolicy, "File");
        Parts(c.Ports, [c.LivenessProbe, c.ReadinessProbe, c.StartupProbe], c.Lifecycle, c.Env);
    }

    // An ephemeral container is a separate Go type with the same defaults as a container.
    private static void EphemeralContainer(V1EphemeralContainer c)
    {
        c.ImagePullPolicy = Or(c.ImagePullPolicy, PullPolicyFor(c.Image));
        c.TerminationMessagePath = Or(c.TerminationMessagePath, "/dev/termination-log");
        c.TerminationMessagePolicy = Or(c.TerminationMessagePolicy, "File");
        Parts(c.Ports, [c.LivenessProbe, c.ReadinessProbe, c.StartupProbe], c.Lifecycle, c.Env);
    }

    private static string Or(string? value, string fallback) => string.IsNullOrEmpty(value) ? fallback : value;

    private static void Parts(IList<V1ContainerPort>? ports, V1Probe?[] probes, V1Lifecycle? lifecycle, IList<V1EnvVar>? env)
    {
        Ports(ports);
        foreach (var probe in probes)
        {
            Probe(probe);
        }

        Lifecycle(lifecycle);
        Env(env);
    }

    /// <summary>
    /// The kubelet-facing pull policy default: Always for the <c>latest</c> tag (explicit or implied by no tag
    /// and no digest), IfNotPresent otherwise — including images that do not parse as references.
    /// </summary>
    public static string PullPolicyFor(string? image) => ImageTag(image) == "latest" ? "Always" : "IfNotPresent";

    /// <summary>The tag of an image reference; "latest" when neither tag nor digest is given; "" when unparsable.</summary>
    internal static string ImageTag(string? image)
    {
        if (string.IsNullOrEmpty(image) || image.Any(char.IsWhiteSpace))
        {
            return "";
        }

        var name = image;
        var hasDigest = false;
        var at = name.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            hasDigest = true;
            name = name[..at];
        }

        var slash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        string tag = "";
        if (colon > slash)
        {
            tag = name[(colon + 1)..];
            name = name[..colon];
            if (tag.Length == 0)
            {
                return "";
            }
        }

        // Repository paths must be lower case (the first component may be a registry host, which may not).
        var firstSlash = name.IndexOf('/');
        var path = firstSlash >= 0 && (name[..firstSlash].Contains('.') || name[..firstSlash].Contains(':') || name[..firstSlash] == "localhost")
            ? name[(firstSlash + 1)..]
            : name;
        if (path.Length == 0 || path.Any(char.IsUpper))
        {
            return "";
        }

        return tag.Length == 0 && !hasDigest ? "latest" : tag;
    }

    private static void Ports(IList<V1ContainerPort>? ports)
    {
        foreach (var p in ports ?? [])
        {
            if (string.IsNullOrEmpty(p.Protocol))
            {
                p.Protocol = "TCP";
            }
        }
    }

    /// <summary>SetDefaults_Probe and the HTTP/gRPC handler defaults.</summary>
    public static void Probe(V1Probe? probe)
    {
        if (probe is null)
        {
            return;
        }

        if (probe.TimeoutSeconds is null or 0)
        {
            probe.TimeoutSeconds = 1;
        }

        if (probe.PeriodSeconds is null or 0)
        {
            probe.PeriodSeconds = 10;
        }

        if (probe.SuccessThreshold is null or 0)
        {
            probe.SuccessThreshold = 1;
        }

        if (probe.FailureThreshold is null or 0)
        {
            probe.FailureThreshold = 3;
        }

        HttpGet(probe.HttpGet);
        if (probe.Grpc is { } grpc)
        {
            grpc.Service ??= "";
        }
    }

    private static void Lifecycle(V1Lifecycle? lifecycle)
    {
        HttpGet(lifecycle?.PostStart?.HttpGet);
        HttpGet(lifecycle?.PreStop?.HttpGet);
    }

    private static void HttpGet(V1HTTPGetAction? action)
    {
        if (action is null)
        {
            return;
        }

        if (string.IsNullOrEmpty(action.Path))
        {
            action.Path = "/";
        }

        if (string.IsNullOrEmpty(action.Scheme))
        {
            action.Scheme = "HTTP";
        }
    }

    private static void Env(IList<V1EnvVar>? env)
    {
        foreach (var e in env ?? [])
        {
            FieldRefs(e.ValueFrom?.FieldRef, e.ValueFrom?.ResourceFieldRef);
        }
    }

    private static void DownwardApiFiles(IList<V1DownwardAPIVolumeFile>? items)
    {
        foreach (var item in items ?? [])
        {
            FieldRefs(item.FieldRef, item.ResourceFieldRef);
        }
    }

    // fieldRef.apiVersion defaults to v1; a resourceFieldRef's divisor is a non-pointer Quantity in Go,
    // so Kubernetes always serializes it, as "0" when unset.
    private static void FieldRefs(V1ObjectFieldSelector? fieldRef, V1ResourceFieldSelector? resourceFieldRef)
    {
        if (fieldRef is not null && string.IsNullOrEmpty(fieldRef.ApiVersion))
        {
            fieldRef.ApiVersion = "v1";
        }

        if (resourceFieldRef is not null)
        {
            resourceFieldRef.Divisor ??= new ResourceQuantity("0");
        }
    }

    /// <summary>SetDefaults_Volume and the per-source defaults (file modes 0644, token expiry, legacy plugin fields).</summary>
    public static void Volume(V1Volume v)
    {
        if (!HasSource(v))
        {
            v.EmptyDir = new V1EmptyDirVolumeSource();
        }

        if (v.ConfigMap is { } cm)
        {
            cm.DefaultMode ??= DefaultVolumeMode;
        }

        if (v.Secret is { } secret)
        {
            secret.DefaultMode ??= DefaultVolumeMode;
        }

        if (v.DownwardAPI is { } downward)
        {
            downward.DefaultMode ??= DefaultVolumeMode;
            DownwardApiFiles(downward.Items);
        }

        if (v.Projected is { } projected)
        {
            projected.DefaultMode ??= DefaultVolumeMode;
            foreach (var source in projected.Sources ?? [])
            {
                if (source.ServiceAccountToken is { } token)
                {
                    token.ExpirationSeconds ??= 3600;
                }

                DownwardApiFiles(source.DownwardAPI?.Items);
            }
        }

        if (v.HostPath is { } hostPath)
        {
            hostPath.Type ??= "";
        }

        if (v.Iscsi is { } iscsi && string.IsNullOrEmpty(iscsi.IscsiInterface))
        {
            iscsi.IscsiInterface = "default";
        }

        if (v.Rbd is { } rbd)
        {
            if (string.IsNullOrEmpty(rbd.Pool))
            {
                rbd.Pool = "rbd";
            }

            if (string.IsNullOrEmpty(rbd.User))
            {
                rbd.User = "admin";
            }

            if (string.IsNullOrEmpty(rbd.Keyring))
            {
                rbd.Keyring = "/etc/ceph/keyring";
            }
        }

        if (v.AzureDisk is { } disk)
        {
            if (string.IsNullOrEmpty(disk.CachingMode))
            {
                disk.CachingMode = "ReadWrite";
            }

            if (string.IsNullOrEmpty(disk.Kind))
            {
                disk.Kind = "Shared";
            }

            if (string.IsNullOrEmpty(disk.FsType))
            {
                disk.FsType = "ext4";
            }

            disk.ReadOnlyProperty ??= false;
        }
    }

    /// <summary>Whether a volume names any source (the registry defaults none to emptyDir).</summary>
    internal static bool HasSource(V1Volume v) => SourceNames(v).Any();

    /// <summary>The JSON names of the sources a volume sets.</summary>
    internal static IEnumerable<string> SourceNames(V1Volume v)
    {
        if (v.HostPath is not null) yield return "hostPath";
        if (v.EmptyDir is not null) yield return "emptyDir";
        if (v.GcePersistentDisk is not null) yield return "gcePersistentDisk";
        if (v.AwsElasticBlockStore is not null) yield return "awsElasticBlockStore";
        if (v.GitRepo is not null) yield return "gitRepo";
        if (v.Secret is not null) yield return "secret";
        if (v.Nfs is not null) yield return "nfs";
        if (v.Iscsi is not null) yield return "iscsi";
        if (v.Glusterfs is not null) yield return "glusterfs";
        if (v.PersistentVolumeClaim is not null) yield return "persistentVolumeClaim";
        if (v.Rbd is not null) yield return "rbd";
        if (v.FlexVolume is not null) yield return "flexVolume";
        if (v.Cinder is not null) yield return "cinder";
        if (v.Cephfs is not null) yield return "cephfs";
        if (v.Flocker is not null) yield return "flocker";
        if (v.DownwardAPI is not null) yield return "downwardAPI";
        if (v.Fc is not null) yield return "fc";
        if (v.AzureFile is not null) yield return "azureFile";
        if (v.ConfigMap is not null) yield return "configMap";
        if (v.VsphereVolume is not null) yield return "vsphereVolume";
        if (v.Quobyte is not null) yield return "quobyte";
        if (v.AzureDisk is not null) yield return "azureDisk";
        if (v.PhotonPersistentDisk is not null) yield return "photonPersistentDisk";
        if (v.Projected is not null) yield return "projected";
        if (v.PortworxVolume is not null) yield return "portworxVolume";
        if (v.ScaleIO is not null) yield return "scaleIO";
        if (v.Storageos is not null) yield return "storageos";
        if (v.Csi is not null) yield return "csi";
        if (v.Ephemeral is not null) yield return "ephemeral";
        if (v.Image is not null) yield return "image";
    }

    /// <summary>Defaults of a PersistentVolumeClaim embedded in a workload (StatefulSet volumeClaimTemplates).</summary>
    public static void ClaimTemplate(V1PersistentVolumeClaim claim)
    {
        claim.Spec ??= new V1PersistentVolumeClaimSpec();
        if (string.IsNullOrEmpty(claim.Spec.VolumeMode))
        {
            claim.Spec.VolumeMode = "Filesystem";
        }

        claim.Status ??= new V1PersistentVolumeClaimStatus();
        if (string.IsNullOrEmpty(claim.Status.Phase))
        {
            claim.Status.Phase = "Pending";
        }
    }
}
