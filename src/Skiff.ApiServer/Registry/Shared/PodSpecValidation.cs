using System.Text.RegularExpressions;
using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Shared;

/// <summary>
/// The checks kube-apiserver's core validation (ValidatePodTemplateSpec / ValidatePodSpec) makes on a pod spec
/// that users actually run into, with the same field paths and messages: containers present, names DNS labels
/// and unique, images set, ports, env names, volume mounts matching volumes, probes, pull and restart policies,
/// resource requests within limits, tolerations. Pure: adds errors, never throws, never mutates.
/// </summary>
internal static partial class PodSpecValidation
{
    private static readonly string[] RestartPolicies = ["Always", "OnFailure", "Never"];
    private static readonly string[] DnsPolicies = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"];
    private static readonly string[] PullPolicies = ["Always", "IfNotPresent", "Never"];
    private static readonly string[] MessagePolicies = ["File", "FallbackToLogsOnError"];
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];
    private static readonly string[] Schemes = ["HTTP", "HTTPS"];
    private static readonly string[] TolerationOperators = ["Equal", "Exists"];
    private static readonly string[] TaintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

    public const string FileModeMessage = "must be a number between 0 and 0777 (octal), both inclusive";

    [GeneratedRegex("^[-a-z0-9]+$")]
    private static partial Regex PortNameCharset();

    [GeneratedRegex("[a-z]")]
    private static partial Regex PortNameLetter();

    /// <summary>ValidatePodTemplateSpec: template labels and annotations, then the spec.</summary>
    public static void ValidateTemplate(V1PodTemplateSpec? template, string path, FieldErrors errors, IReadOnlyCollection<string>? extraVolumeNames = null)
    {
        if (template is null)
        {
            errors.Required(path);
            return;
        }

        MetadataValidation.Labels(template.Metadata?.Labels, path + ".labels", errors);
        MetadataValidation.Annotations(template.Metadata?.Annotations, path + ".annotations", errors);
        Validate(template.Spec ?? new V1PodSpec(), path + ".spec", errors, extraVolumeNames);
    }

    /// <summary>
    /// ValidatePodSpec. <paramref name="extraVolumeNames"/> are names mounts may refer to besides
    /// <c>volumes</c> (a StatefulSet's volumeClaimTemplates).
    /// </summary>
    public static void Validate(V1PodSpec spec, string path, FieldErrors errors, IReadOnlyCollection<string>? extraVolumeNames = null)
    {
        var volumeNames = Volumes(spec.Volumes, path + ".volumes", errors);
        foreach (var extra in extraVolumeNames ?? [])
        {
            volumeNames.Add(extra);
        }

        var containerNames = new HashSet<string>(StringComparer.Ordinal);
        var containers = spec.Containers ?? [];
        if (containers.Count == 0)
        {
            errors.Required(path + ".containers");
        }

        for (var i = 0; i < (spec.InitContainers?.Count ?? 0); i++)
        {
            var c = spec.InitContainers![i];
            var p = $"{path}.initContainers[{i}]";
            Container(c, p, volumeNames, containerNames, errors);
            if (c.RestartPolicy is { Length: > 0 } rp && rp != "Always")
            {
                errors.NotSupported(p + ".restartPolicy", rp, ["Always"]);
            }

            if (c.RestartPolicy != "Always")
            {
                if (c.LivenessProbe is not null)
                {
                    errors.Forbidden(p + ".livenessProbe", "may not be set for init containers without restartPolicy=Always");
                }

                if (c.ReadinessProbe is not null)
                {
                    errors.Forbidden(p + ".readinessProbe", "may not be set for init containers without restartPolicy=Always");
                }

                if (c.StartupProbe is not null)
                {
                    errors.Forbidden(p + ".startupProbe", "may not be set for init containers without restartPolicy=Always");
                }
            }
        }

        for (var i = 0; i < containers.Count; i++)
        {
            var c = containers[i];
            var p = $"{path}.containers[{i}]";
            Container(c, p, volumeNames, containerNames, errors);
            if (!string.IsNullOrEmpty(c.RestartPolicy))
            {
                errors.Forbidden(p + ".restartPolicy", "may not be set for non-init containers");
            }
        }

        switch (spec.RestartPolicy)
        {
            case null or "":
                errors.Required(path + ".restartPolicy");
                break;
            case var rp when !RestartPolicies.Contains(rp):
                errors.NotSupported(path + ".restartPolicy", rp, RestartPolicies);
                break;
        }

        switch (spec.DnsPolicy)
        {
            case null or "":
                errors.Required(path + ".dnsPolicy");
                break;
            case var dp when !DnsPolicies.Contains(dp):
                errors.NotSupported(path + ".dnsPolicy", dp, DnsPolicies);
                break;
            case "None" when spec.DnsConfig is null:
                errors.Required(path + ".dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None");
                break;
        }

        if (spec.ActiveDeadlineSeconds is { } ads && ads is < 1 or > int.MaxValue)
        {
            errors.Invalid(path + ".activeDeadlineSeconds", ads, "must be between 1 and 2147483647, inclusive");
        }

        MetadataValidation.Labels(spec.NodeSelector, path + ".nodeSelector", errors);
        if (!string.IsNullOrEmpty(spec.ServiceAccountName))
        {
            MetadataValidation.DnsSubdomain(spec.ServiceAccountName, path + ".serviceAccountName", errors);
        }

        if (!string.IsNullOrEmpty(spec.Hostname))
        {
            MetadataValidation.DnsLabel(spec.Hostname, path + ".hostname", errors);
        }

        if (!string.IsNullOrEmpty(spec.Subdomain))
        {
            MetadataValidation.DnsLabel(spec.Subdomain, path + ".subdomain", errors);
        }

        if (!string.IsNullOrEmpty(spec.PriorityClassName))
        {
            MetadataValidation.DnsSubdomain(spec.PriorityClassName, path + ".priorityClassName", errors);
        }

        Tolerations(spec.Tolerations, path + ".tolerations", errors);
    }

    private static HashSet<string> Volumes(IList<V1Volume>? volumes, string path, FieldErrors errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (volumes?.Count ?? 0); i++)
        {
            var v = volumes![i];
            var p = $"{path}[{i}]";
            var sources = PodSpecDefaults.SourceNames(v).ToList();
            if (sources.Count == 0)
            {
                errors.Required(p, "must specify a volume type");
            }
            else if (sources.Count > 1)
            {
                foreach (var extra in sources.Skip(1))
                {
                    errors.Forbidden($"{p}.{extra}", "may not specify more than 1 volume type");
                }
            }

            if (v.ConfigMap is { } cm)
            {
                if (string.IsNullOrEmpty(cm.Name))
                {
                    errors.Required(p + ".configMap.name");
                }

                FileMode(cm.DefaultMode, p + ".configMap.defaultMode", errors);
            }

            if (v.Secret is { } secret)
            {
                if (string.IsNullOrEmpty(secret.SecretName))
                {
                    errors.Required(p + ".secret.secretName");
                }

                FileMode(secret.DefaultMode, p + ".secret.defaultMode", errors);
            }

            if (v.PersistentVolumeClaim is { } pvc && string.IsNullOrEmpty(pvc.ClaimName))
            {
                errors.Required(p + ".persistentVolumeClaim.claimName");
            }

            if (v.HostPath is { } hp && string.IsNullOrEmpty(hp.Path))
            {
                errors.Required(p + ".hostPath.path");
            }

            if (v.DownwardAPI is { } downward)
            {
                FileMode(downward.DefaultMode, p + ".downwardAPI.defaultMode", errors);
            }

            if (v.Projected is { } projected)
            {
                FileMode(projected.DefaultMode, p + ".projected.defaultMode", errors);
            }

            if (string.IsNullOrEmpty(v.Name))
            {
                errors.Required(p + ".name");
            }
            else
            {
                MetadataValidation.DnsLabel(v.Name, p + ".name", errors);
            }

            if (!names.Add(v.Name ?? ""))
            {
                errors.Duplicate(p + ".name", v.Name ?? "");
            }
        }

        return names;
    }

    private static void FileMode(int? mode, string path, FieldErrors errors)
    {
        if (mode is { } m && m is < 0 or > 511)
        {
            errors.Invalid(path, m, FileModeMessage);
        }
    }

    private static void Container(V1Container c, string path, HashSet<string> volumeNames, HashSet<string> containerNames, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(c.Name))
        {
            errors.Required(path + ".name");
        }
        else
        {
            MetadataValidation.DnsLabel(c.Name, path + ".name", errors);
            if (!containerNames.Add(c.Name))
            {
                errors.Duplicate(path + ".name", c.Name);
            }
        }

        if (string.IsNullOrEmpty(c.Image))
        {
            errors.Required(path + ".image");
        }

        switch (c.ImagePullPolicy)
        {
            case null or "":
                errors.Required(path + ".imagePullPolicy");
                break;
            case var pp when !PullPolicies.Contains(pp):
                errors.NotSupported(path + ".imagePullPolicy", pp, PullPolicies);
                break;
        }

        switch (c.TerminationMessagePolicy)
        {
            case null or "":
                errors.Required(path + ".terminationMessagePolicy");
                break;
            case var mp when !MessagePolicies.Contains(mp):
                errors.NotSupported(path + ".terminationMessagePolicy", mp, MessagePolicies);
                break;
        }

        Ports(c.Ports, path + ".ports", errors);
        Env(c.Env, path + ".env", errors);
        Mounts(c.VolumeMounts, path + ".volumeMounts", volumeNames, errors);
        Probe(c.LivenessProbe, path + ".livenessProbe", errors);
        Probe(c.ReadinessProbe, path + ".readinessProbe", errors);
        Probe(c.StartupProbe, path + ".startupProbe", errors);
        if (c.LivenessProbe is { SuccessThreshold: { } ls } && ls != 1)
        {
            errors.Invalid(path + ".livenessProbe.successThreshold", ls, "must be 1");
        }

        if (c.StartupProbe is { SuccessThreshold: { } ss } && ss != 1)
        {
            errors.Invalid(path + ".startupProbe.successThreshold", ss, "must be 1");
        }

        Resources(c.Resources, path + ".resources", errors);
    }

    /// <summary>validateContainerPorts.</summary>
    public static void Ports(IList<V1ContainerPort>? ports, string path, FieldErrors errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (ports?.Count ?? 0); i++)
        {
            var port = ports![i];
            var p = $"{path}[{i}]";
            if (!string.IsNullOrEmpty(port.Name))
            {
                var msgs = PortNameErrors(port.Name);
                foreach (var msg in msgs)
                {
                    errors.Invalid(p + ".name", port.Name, msg);
                }

                if (msgs.Count == 0 && !names.Add(port.Name))
                {
                    errors.Duplicate(p + ".name", port.Name);
                }
            }

            if (port.ContainerPort == 0)
            {
                errors.Required(p + ".containerPort");
            }
            else if (port.ContainerPort is < 1 or > 65535)
            {
                errors.Invalid(p + ".containerPort", port.ContainerPort, "must be between 1 and 65535, inclusive");
            }

            if (port.HostPort is { } hp and not 0 && hp is < 1 or > 65535)
            {
                errors.Invalid(p + ".hostPort", hp, "must be between 1 and 65535, inclusive");
            }

            if (string.IsNullOrEmpty(port.Protocol))
            {
                errors.Required(p + ".protocol");
            }
            else if (!Protocols.Contains(port.Protocol))
            {
                errors.NotSupported(p + ".protocol", port.Protocol, Protocols);
            }
        }
    }

    /// <summary>apimachinery's IsValidPortName (IANA service names).</summary>
    public static IReadOnlyList<string> PortNameErrors(string name)
    {
        var errs = new List<string>();
        if (name.Length > 15)
        {
            errs.Add("must be no more than 15 characters");
        }

        if (!PortNameCharset().IsMatch(name))
        {
            errs.Add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        }

        if (!PortNameLetter().IsMatch(name))
        {
            errs.Add("must contain at least one letter (a-z)");
        }

        if (name.Contains("--", StringComparison.Ordinal))
        {
            errs.Add("must not contain consecutive hyphens");
        }

        if (name.Length > 0 && (name[0] == '-' || name[^1] == '-'))
        {
            errs.Add("must not begin or end with a hyphen");
        }

        return errs;
    }

    /// <summary>ValidatePortNumOrName for probe and backend ports.</summary>
    public static void PortNumOrName(IntOrString? port, string path, FieldErrors errors)
    {
        if (IntOrPercent.IsInt(port, out var n))
        {
            if (n is < 1 or > 65535)
            {
                errors.Invalid(path, n, "must be between 1 and 65535, inclusive");
            }
        }
        else
        {
            foreach (var msg in PortNameErrors(port?.Value ?? ""))
            {
                errors.Invalid(path, port?.Value ?? "", msg);
            }
        }
    }

    private static void Env(IList<V1EnvVar>? env, string path, FieldErrors errors)
    {
        for (var i = 0; i < (env?.Count ?? 0); i++)
        {
            var e = env![i];
            var p = $"{path}[{i}]";
            if (string.IsNullOrEmpty(e.Name))
            {
                errors.Required(p + ".name");
            }
            else if (e.Name.Any(ch => ch < 32 || ch > 126 || ch == '='))
            {
                // RelaxedEnvironmentVariableValidation is on in v1.33: printable ASCII except '='.
                errors.Invalid(p + ".name", e.Name, "a valid environment variable name must consist only of printable ASCII characters other than '='");
            }

            if (e.ValueFrom is { } from)
            {
                var count = (from.FieldRef is null ? 0 : 1) + (from.ResourceFieldRef is null ? 0 : 1) +
                    (from.ConfigMapKeyRef is null ? 0 : 1) + (from.SecretKeyRef is null ? 0 : 1) + (from.FileKeyRef is null ? 0 : 1);
                if (count == 0)
                {
                    errors.Invalid(p + ".valueFrom", "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
                }
                else if (count > 1)
                {
                    errors.Invalid(p + ".valueFrom", "", "may not have more than one field specified at a time");
                }

                if (!string.IsNullOrEmpty(e.Value))
                {
                    errors.Invalid(p + ".valueFrom", "", "may not be specified when `value` is not empty");
                }
            }
        }
    }

    private static void Mounts(IList<V1VolumeMount>? mounts, string path, HashSet<string> volumeNames, FieldErrors errors)
    {
        var mountPoints = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (mounts?.Count ?? 0); i++)
        {
            var m = mounts![i];
            var p = $"{path}[{i}]";
            if (string.IsNullOrEmpty(m.Name))
            {
                errors.Required(p + ".name");
            }

            if (!volumeNames.Contains(m.Name ?? ""))
            {
                errors.NotFound(p + ".name", m.Name ?? "");
            }

            if (string.IsNullOrEmpty(m.MountPath))
            {
                errors.Required(p + ".mountPath");
            }

            if (!mountPoints.Add(m.MountPath ?? ""))
            {
                errors.Invalid(p + ".mountPath", m.MountPath ?? "", "must be unique");
            }
        }
    }

    private static void Probe(V1Probe? probe, string path, FieldErrors errors)
    {
        if (probe is null)
        {
            return;
        }

        var handlers = new List<string>();
        if (probe.Exec is not null) handlers.Add("exec");
        if (probe.HttpGet is not null) handlers.Add("httpGet");
        if (probe.TcpSocket is not null) handlers.Add("tcpSocket");
        if (probe.Grpc is not null) handlers.Add("grpc");
        if (handlers.Count == 0)
        {
            errors.Required(path, "must specify a handler type");
        }
        else
        {
            foreach (var extra in handlers.Skip(1))
            {
                errors.Forbidden($"{path}.{extra}", "may not specify more than 1 handler type");
            }
        }

        if (probe.Exec is { } exec && (exec.Command?.Count ?? 0) == 0)
        {
            errors.Required(path + ".exec.command");
        }

        if (probe.HttpGet is { } http)
        {
            if (string.IsNullOrEmpty(http.Path))
            {
                errors.Required(path + ".httpGet.path");
            }

            PortNumOrName(http.Port, path + ".httpGet.port", errors);
            if (!string.IsNullOrEmpty(http.Scheme) && !Schemes.Contains(http.Scheme))
            {
                errors.NotSupported(path + ".httpGet.scheme", http.Scheme, Schemes);
            }
        }

        if (probe.TcpSocket is { } tcp)
        {
            PortNumOrName(tcp.Port, path + ".tcpSocket.port", errors);
        }

        if (probe.Grpc is { } grpc && grpc.Port is < 1 or > 65535)
        {
            errors.Invalid(path + ".grpc.port", grpc.Port, "must be between 1 and 65535, inclusive");
        }

        MetadataValidation.NonNegative(probe.InitialDelaySeconds, path + ".initialDelaySeconds", errors);
        MetadataValidation.NonNegative(probe.TimeoutSeconds, path + ".timeoutSeconds", errors);
        MetadataValidation.NonNegative(probe.PeriodSeconds, path + ".periodSeconds", errors);
        MetadataValidation.NonNegative(probe.SuccessThreshold, path + ".successThreshold", errors);
        MetadataValidation.NonNegative(probe.FailureThreshold, path + ".failureThreshold", errors);
        if (probe.TerminationGracePeriodSeconds is { } tgps && tgps <= 0)
        {
            errors.Invalid(path + ".terminationGracePeriodSeconds", tgps, "must be greater than 0");
        }
    }

    private static void Resources(V1ResourceRequirements? resources, string path, FieldErrors errors)
    {
        if (resources is null)
        {
            return;
        }

        foreach (var (name, q) in resources.Limits ?? new Dictionary<string, ResourceQuantity>())
        {
            if (q is not null && (decimal)q < 0)
            {
                errors.Invalid($"{path}.limits[{name}]", q.ToString(), "must be greater than or equal to 0");
            }
        }

        foreach (var (name, q) in resources.Requests ?? new Dictionary<string, ResourceQuantity>())
        {
            if (q is null)
            {
                continue;
            }

            if ((decimal)q < 0)
            {
                errors.Invalid($"{path}.requests[{name}]", q.ToString(), "must be greater than or equal to 0");
            }

            if (resources.Limits?.TryGetValue(name, out var limit) == true && limit is not null && (decimal)q > (decimal)limit)
            {
                errors.Invalid(path + ".requests", q.ToString(), $"must be less than or equal to {name} limit of {limit}");
            }
        }
    }

    private static void Tolerations(IList<V1Toleration>? tolerations, string path, FieldErrors errors)
    {
        for (var i = 0; i < (tolerations?.Count ?? 0); i++)
        {
            var t = tolerations![i];
            var p = $"{path}[{i}]";
            if (!string.IsNullOrEmpty(t.Key))
            {
                MetadataValidation.LabelName(t.Key, p + ".key", errors);
            }

            if (string.IsNullOrEmpty(t.Key) && t.OperatorProperty != "Exists")
            {
                errors.Invalid(p + ".operator", t.OperatorProperty ?? "", "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
            }

            if (t.TolerationSeconds is not null && t.Effect != "NoExecute")
            {
                errors.Invalid(p + ".effect", t.Effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set");
            }

            switch (t.OperatorProperty)
            {
                case null or "" or "Equal":
                    foreach (var msg in NameRules.LabelValue(t.Value ?? ""))
                    {
                        errors.Invalid(p + ".operator", t.Value ?? "", msg);
                    }

                    break;
                case "Exists":
                    if (!string.IsNullOrEmpty(t.Value))
                    {
                        errors.Invalid(p + ".operator", t.Value, "value must be empty when `operator` is 'Exists'");
                    }

                    break;
                default:
                    errors.NotSupported(p + ".operator", t.OperatorProperty, TolerationOperators);
                    break;
            }

            if (!string.IsNullOrEmpty(t.Effect) && !TaintEffects.Contains(t.Effect))
            {
                errors.NotSupported(p + ".effect", t.Effect, TaintEffects);
            }
        }
    }
}
