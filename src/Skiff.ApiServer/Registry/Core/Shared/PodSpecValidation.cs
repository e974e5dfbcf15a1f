using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Core.Shared;

/// <summary>
/// Validation of a pod spec (ValidatePodSpec and its helpers in pkg/apis/core/validation/validation.go)
/// for pods and pod templates: the rules users actually hit, with Kubernetes' field paths and messages.
/// </summary>
internal static class PodSpecValidation
{
    private static readonly string[] RestartPolicies = ["Always", "OnFailure", "Never"];
    private static readonly string[] DnsPolicies = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];
    private static readonly string[] PullPolicies = ["Always", "IfNotPresent", "Never"];
    private static readonly string[] TerminationMessagePolicies = ["File", "FallbackToLogsOnError"];
    private static readonly string[] TolerationOperators = ["Equal", "Exists"];
    private static readonly string[] HttpSchemes = ["HTTP", "HTTPS"];
    private static readonly string[] HostPathTypes = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"];

    /// <summary>Validates <paramref name="spec"/> found at <paramref name="path"/> (e.g. "spec", "spec.template.spec").</summary>
    public static void Validate(V1PodSpec? spec, string path, FieldErrors errors)
    {
        if (spec is null)
        {
            errors.Required(path);
            return;
        }

        var volumes = Volumes(spec.Volumes, $"{path}.volumes", errors);

        if (spec.Containers is null || spec.Containers.Count == 0)
        {
            errors.Required($"{path}.containers");
        }

        var names = new HashSet<string>();
        Containers(spec.InitContainers, $"{path}.initContainers", volumes, names, isInit: true, errors);
        Containers(spec.Containers, $"{path}.containers", volumes, names, isInit: false, errors);
        HostPorts(spec, path, errors);

        if (string.IsNullOrEmpty(spec.RestartPolicy))
        {
            errors.Required($"{path}.restartPolicy");
        }
        else if (!RestartPolicies.Contains(spec.RestartPolicy))
        {
            errors.NotSupported($"{path}.restartPolicy", spec.RestartPolicy, RestartPolicies);
        }

        if (string.IsNullOrEmpty(spec.DnsPolicy))
        {
            errors.Required($"{path}.dnsPolicy");
        }
        else if (!DnsPolicies.Contains(spec.DnsPolicy))
        {
            errors.NotSupported($"{path}.dnsPolicy", spec.DnsPolicy, DnsPolicies);
        }
        else if (spec.DnsPolicy == "None" && spec.DnsConfig is null)
        {
            errors.Required($"{path}.dnsConfig", "must provide `dnsConfig` when `dnsPolicy` is None");
        }

        CoreValidation.Labels(spec.NodeSelector, $"{path}.nodeSelector", errors);

        if (!string.IsNullOrEmpty(spec.ServiceAccountName))
        {
            CoreValidation.DnsSubdomain(spec.ServiceAccountName, $"{path}.serviceAccountName", errors);
        }

        if (!string.IsNullOrEmpty(spec.NodeName))
        {
            CoreValidation.DnsSubdomain(spec.NodeName, $"{path}.nodeName", errors);
        }

        if (!string.IsNullOrEmpty(spec.PriorityClassName))
        {
            CoreValidation.DnsSubdomain(spec.PriorityClassName, $"{path}.priorityClassName", errors);
        }

        if (spec.ActiveDeadlineSeconds is { } deadline && (deadline < 1 || deadline > int.MaxValue))
        {
            errors.Invalid($"{path}.activeDeadlineSeconds", deadline, PortRules.InclusiveRangeError(1, int.MaxValue));
        }

        if (!string.IsNullOrEmpty(spec.Hostname))
        {
            CoreValidation.DnsLabel(spec.Hostname, $"{path}.hostname", errors);
        }

        if (!string.IsNullOrEmpty(spec.Subdomain))
        {
            CoreValidation.DnsLabel(spec.Subdomain, $"{path}.subdomain", errors);
        }

        Tolerations(spec.Tolerations, $"{path}.tolerations", errors);
    }

    /// <summary>Tolerations (ValidateTolerations).</summary>
    public static void Tolerations(IList<V1Toleration>? tolerations, string path, FieldErrors errors)
    {
        for (var i = 0; i < (tolerations?.Count ?? 0); i++)
        {
            var t = tolerations![i];
            var p = $"{path}[{i}]";
            if (!string.IsNullOrEmpty(t.Key))
            {
                CoreValidation.QualifiedName(t.Key, $"{p}.key", errors);
            }

            if (string.IsNullOrEmpty(t.Key) && t.OperatorProperty != "Exists")
            {
                errors.Invalid($"{p}.operator", t.OperatorProperty ?? "", "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
            }

            if (t.TolerationSeconds is not null && t.Effect != "NoExecute")
            {
                errors.Invalid($"{p}.effect", t.Effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set");
            }

            switch (t.OperatorProperty)
            {
                case "Equal" or "" or null:
                    var valueErrors = NameRules.LabelValue(t.Value ?? "");
                    if (valueErrors.Count > 0)
                    {
                        errors.Invalid($"{p}.operator", t.Value ?? "", string.Join(";", valueErrors));
                    }

                    break;
                case "Exists":
                    if (!string.IsNullOrEmpty(t.Value))
                    {
                        errors.Invalid($"{p}.operator", t.Value, "value must be empty when `operator` is 'Exists'");
                    }

                    break;
                default:
                    errors.NotSupported($"{p}.operator", t.OperatorProperty, TolerationOperators);
                    break;
            }

            if (!string.IsNullOrEmpty(t.Effect))
            {
                CoreValidation.TaintEffect(t.Effect, allowEmpty: true, $"{p}.effect", errors);
            }
        }
    }

    private static HashSet<string> Volumes(IList<V1Volume>? volumes, string path, FieldErrors errors)
    {
        var names = new HashSet<string>();
        for (var i = 0; i < (volumes?.Count ?? 0); i++)
        {
            var v = volumes![i];
            var p = $"{path}[{i}]";
            if (string.IsNullOrEmpty(v.Name))
            {
                errors.Required($"{p}.name");
            }
            else
            {
                CoreValidation.DnsLabel(v.Name, $"{p}.name", errors);
                if (!names.Add(v.Name))
                {
                    errors.Duplicate($"{p}.name", v.Name);
                }
            }

            VolumeSource(v, p, errors);
        }

        return names;
    }

    private static void VolumeSource(V1Volume v, string p, FieldErrors errors)
    {
        var sources = typeof(V1Volume).GetProperties()
            .Where(prop => prop.Name != nameof(V1Volume.Name) && prop.GetValue(v) is not null)
            .Select(prop => char.ToLowerInvariant(prop.Name[0]) + prop.Name[1..])
            .Select(n => n switch
            {
                "downwardAPI" or "downwardApi" => "downwardAPI",
                "scaleIO" => "scaleIO",
                _ => n,
            })
            .ToList();
        if (sources.Count == 0)
        {
            errors.Required(p, "must specify a volume type");
            return;
        }

        for (var i = 1; i < sources.Count; i++)
        {
            errors.Forbidden($"{p}.{sources[i]}", "may not specify more than 1 volume type");
        }

        if (v.HostPath is { } hostPath)
        {
            if (string.IsNullOrEmpty(hostPath.Path))
            {
                errors.Required($"{p}.hostPath.path");
            }

            if (hostPath.Type is { } type && !HostPathTypes.Contains(type))
            {
                errors.NotSupported($"{p}.hostPath.type", type, HostPathTypes);
            }
        }

        if (v.ConfigMap is { } cm)
        {
            if (string.IsNullOrEmpty(cm.Name))
            {
                errors.Required($"{p}.configMap.name");
            }

            FileMode(cm.DefaultMode, $"{p}.configMap.defaultMode", errors);
        }

        if (v.Secret is { } secret)
        {
            if (string.IsNullOrEmpty(secret.SecretName))
            {
                errors.Required($"{p}.secret.secretName");
            }

            FileMode(secret.DefaultMode, $"{p}.secret.defaultMode", errors);
        }

        if (v.PersistentVolumeClaim is { } pvc && string.IsNullOrEmpty(pvc.ClaimName))
        {
            errors.Required($"{p}.persistentVolumeClaim.claimName");
        }

        if (v.EmptyDir?.SizeLimit is { } sizeLimit)
        {
            CoreValidation.NonNegative(sizeLimit, $"{p}.emptyDir.sizeLimit", errors);
        }

        if (v.Nfs is { } nfs)
        {
            if (string.IsNullOrEmpty(nfs.Server))
            {
                errors.Required($"{p}.nfs.server");
            }

            if (string.IsNullOrEmpty(nfs.Path))
            {
                errors.Required($"{p}.nfs.path");
            }
            else if (!nfs.Path.StartsWith('/'))
            {
                errors.Invalid($"{p}.nfs.path", nfs.Path, "must be an absolute path");
            }
        }
    }

    private static void FileMode(int? mode, string path, FieldErrors errors)
    {
        if (mode is < 0 or > 511)
        {
            errors.Invalid(path, mode.Value, "must be a number between 0 and 0777 (octal), both inclusive");
        }
    }

    private static void Containers(IList<V1Container>? containers, string path, HashSet<string> volumes, HashSet<string> names, bool isInit, FieldErrors errors)
    {
        for (var i = 0; i < (containers?.Count ?? 0); i++)
        {
            var c = containers![i];
            var p = $"{path}[{i}]";
            if (string.IsNullOrEmpty(c.Name))
            {
                errors.Required($"{p}.name");
            }
            else
            {
                CoreValidation.DnsLabel(c.Name, $"{p}.name", errors);
                if (!names.Add(c.Name))
                {
                    errors.Duplicate($"{p}.name", c.Name);
                }
            }

            if (string.IsNullOrEmpty(c.Image))
            {
                errors.Required($"{p}.image");
            }
            else if (c.Image.Trim() != c.Image)
            {
                errors.Invalid($"{p}.image", c.Image, "must not have leading or trailing whitespace");
            }

            if (string.IsNullOrEmpty(c.ImagePullPolicy))
            {
                errors.Required($"{p}.imagePullPolicy");
            }
            else if (!PullPolicies.Contains(c.ImagePullPolicy))
            {
                errors.NotSupported($"{p}.imagePullPolicy", c.ImagePullPolicy, PullPolicies);
            }

            if (string.IsNullOrEmpty(c.TerminationMessagePolicy))
            {
                errors.Required($"{p}.terminationMessagePolicy");
            }
            else if (!TerminationMessagePolicies.Contains(c.TerminationMessagePolicy))
            {
                errors.NotSupported($"{p}.terminationMessagePolicy", c.TerminationMessagePolicy, TerminationMessagePolicies);
            }

            if (c.RestartPolicy is { } restart)
            {
                if (!isInit)
                {
                    errors.Forbidden($"{p}.restartPolicy", "may not be set for non-init containers");
                }
                else if (restart != "Always")
                {
                    errors.NotSupported($"{p}.restartPolicy", restart, ["Always"]);
                }
            }

            Ports(c.Ports, $"{p}.ports", errors);
            Env(c.Env, $"{p}.env", errors);
            VolumeMounts(c.VolumeMounts, $"{p}.volumeMounts", volumes, errors);
            Resources(c.Resources, $"{p}.resources", errors);

            if (isInit && c.RestartPolicy != "Always")
            {
                // Plain init containers run to completion, so probes and lifecycle hooks make no sense.
                if (c.LivenessProbe is not null)
                {
                    errors.Forbidden($"{p}.livenessProbe", "may not be set for init containers without restartPolicy=Always");
                }

                if (c.ReadinessProbe is not null)
                {
                    errors.Forbidden($"{p}.readinessProbe", "may not be set for init containers without restartPolicy=Always");
                }

                if (c.StartupProbe is not null)
                {
                    errors.Forbidden($"{p}.startupProbe", "may not be set for init containers without restartPolicy=Always");
                }
            }
            else
            {
                Probe(c.LivenessProbe, $"{p}.livenessProbe", mustSucceedOnce: true, readiness: false, errors);
                Probe(c.ReadinessProbe, $"{p}.readinessProbe", mustSucceedOnce: false, readiness: true, errors);
                Probe(c.StartupProbe, $"{p}.startupProbe", mustSucceedOnce: true, readiness: false, errors);
            }
        }
    }

    private static void Ports(IList<V1ContainerPort>? ports, string path, FieldErrors errors)
    {
        var names = new HashSet<string>();
        for (var i = 0; i < (ports?.Count ?? 0); i++)
        {
            var port = ports![i];
            var p = $"{path}[{i}]";
            if (!string.IsNullOrEmpty(port.Name))
            {
                var nameErrors = PortRules.IsValidPortName(port.Name);
                foreach (var msg in nameErrors)
                {
                    errors.Invalid($"{p}.name", port.Name, msg);
                }

                if (nameErrors.Count == 0 && !names.Add(port.Name))
                {
                    errors.Duplicate($"{p}.name", port.Name);
                }
            }

            if (port.ContainerPort == 0)
            {
                errors.Required($"{p}.containerPort");
            }
            else
            {
                foreach (var msg in PortRules.IsValidPortNum(port.ContainerPort))
                {
                    errors.Invalid($"{p}.containerPort", port.ContainerPort, msg);
                }
            }

            if (port.HostPort is { } hostPort and not 0)
            {
                foreach (var msg in PortRules.IsValidPortNum(hostPort))
                {
                    errors.Invalid($"{p}.hostPort", hostPort, msg);
                }
            }

            Protocol(port.Protocol, $"{p}.protocol", errors);
        }
    }

    /// <summary>A port protocol: required, one of SCTP, TCP, UDP.</summary>
    public static void Protocol(string? protocol, string path, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(protocol))
        {
            errors.Required(path);
        }
        else if (!CoreValidation.PortProtocols.Contains(protocol))
        {
            errors.NotSupported(path, protocol, CoreValidation.PortProtocols);
        }
    }

    /// <summary>A port given by number or by name (ValidatePortNumOrName).</summary>
    public static void PortNumOrName(IntOrString? port, string path, FieldErrors errors)
    {
        if (port?.Value is not { } value)
        {
            return;
        }

        if (int.TryParse(value, out var number))
        {
            foreach (var msg in PortRules.IsValidPortNum(number))
            {
                errors.Invalid(path, number, msg);
            }
        }
        else
        {
            foreach (var msg in PortRules.IsValidPortName(value))
            {
                errors.Invalid(path, value, msg);
            }
        }
    }

    private static void HostPorts(V1PodSpec spec, string path, FieldErrors errors)
    {
        var seen = new HashSet<string>();
        void Check(IList<V1Container>? containers, string containersPath)
        {
            for (var i = 0; i < (containers?.Count ?? 0); i++)
            {
                var ports = containers![i].Ports;
                for (var j = 0; j < (ports?.Count ?? 0); j++)
                {
                    var port = ports![j];
                    if (port.HostPort is null or 0)
                    {
                        continue;
                    }

                    var key = $"{port.HostIP}/{port.HostPort}/{port.Protocol}";
                    if (!seen.Add(key))
                    {
                        errors.Duplicate($"{containersPath}[{i}].ports[{j}].hostPort", $"{port.HostPort}/{port.Protocol}");
                    }
                }
            }
        }

        Check(spec.InitContainers, $"{path}.initContainers");
        Check(spec.Containers, $"{path}.containers");
    }

    private static void Env(IList<V1EnvVar>? env, string path, FieldErrors errors)
    {
        for (var i = 0; i < (env?.Count ?? 0); i++)
        {
            var e = env![i];
            var p = $"{path}[{i}]";
            if (string.IsNullOrEmpty(e.Name))
            {
                errors.Required($"{p}.name");
            }
            else if (e.Name.Any(ch => ch < 32 || ch > 126 || ch == '='))
            {
                // RelaxedEnvironmentVariableValidation (on by default since v1.32): any printable ASCII but '='.
                errors.Invalid($"{p}.name", e.Name, "a valid environment variable name must consist only of printable ASCII characters other than '='");
            }

            if (e.ValueFrom is { } from)
            {
                var count = new object?[] { from.FieldRef, from.ResourceFieldRef, from.ConfigMapKeyRef, from.SecretKeyRef, from.FileKeyRef }.Count(x => x is not null);
                if (count == 0)
                {
                    errors.Invalid($"{p}.valueFrom", "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
                }
                else if (count > 1)
                {
                    errors.Invalid($"{p}.valueFrom", "", "may not have more than one field specified at a time");
                }

                if (!string.IsNullOrEmpty(e.Value))
                {
                    errors.Invalid($"{p}.valueFrom", "", "may not be specified when `value` is not empty");
                }

                if (from.ConfigMapKeyRef is { } cmRef && string.IsNullOrEmpty(cmRef.Key))
                {
                    errors.Required($"{p}.valueFrom.configMapKeyRef.key");
                }

                if (from.SecretKeyRef is { } secretRef && string.IsNullOrEmpty(secretRef.Key))
                {
                    errors.Required($"{p}.valueFrom.secretKeyRef.key");
                }

                if (from.FieldRef is { } fieldRef && string.IsNullOrEmpty(fieldRef.FieldPath))
                {
                    errors.Required($"{p}.valueFrom.fieldRef.fieldPath");
                }
            }
        }
    }

    private static void VolumeMounts(IList<V1VolumeMount>? mounts, string path, HashSet<string> volumes, FieldErrors errors)
    {
        var paths = new HashSet<string>();
        for (var i = 0; i < (mounts?.Count ?? 0); i++)
        {
            var m = mounts![i];
            var p = $"{path}[{i}]";
            if (string.IsNullOrEmpty(m.Name))
            {
                errors.Required($"{p}.name");
            }
            else if (!volumes.Contains(m.Name))
            {
                errors.NotFound($"{p}.name", m.Name);
            }

            if (string.IsNullOrEmpty(m.MountPath))
            {
                errors.Required($"{p}.mountPath");
            }
            else if (!paths.Add(m.MountPath))
            {
                errors.Invalid($"{p}.mountPath", m.MountPath, "must be unique");
            }

            if (!string.IsNullOrEmpty(m.SubPath) && (m.SubPath.StartsWith('/') || m.SubPath.Split('/').Contains("..")))
            {
                errors.Invalid($"{p}.subPath", m.SubPath, m.SubPath.StartsWith('/') ? "must be a relative path" : "must not contain '..'");
            }
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
            var p = $"{path}.limits[{name}]";
            ContainerResourceName(name, p, errors);
            CoreValidation.NonNegative(q, p, errors);
        }

        foreach (var (name, q) in resources.Requests ?? new Dictionary<string, ResourceQuantity>())
        {
            var p = $"{path}.requests[{name}]";
            ContainerResourceName(name, p, errors);
            CoreValidation.NonNegative(q, p, errors);
            var overcommit = IsOvercommitAllowed(name);
            if (resources.Limits is not null && resources.Limits.TryGetValue(name, out var limit) && limit is not null && q is not null)
            {
                if (!overcommit && q.ToDecimal() != limit.ToDecimal())
                {
                    errors.Invalid($"{path}.requests", CoreValidation.QuantityText(q), $"must be equal to {name} limit of {CoreValidation.QuantityText(limit)}");
                }
                else if (q.ToDecimal() > limit.ToDecimal())
                {
                    errors.Invalid($"{path}.requests", CoreValidation.QuantityText(q), $"must be less than or equal to {name} limit of {CoreValidation.QuantityText(limit)}");
                }
            }
            else if (!overcommit)
            {
                errors.Required($"{path}.limits", "Limit must be set for non overcommitable resources");
            }
        }
    }

    private static void ContainerResourceName(string name, string path, FieldErrors errors)
    {
        foreach (var msg in NameRules.QualifiedName(name))
        {
            errors.Invalid(path, name, msg);
        }

        if (!name.Contains('/') && !(name is "cpu" or "memory" or "ephemeral-storage" || name.StartsWith("hugepages-", StringComparison.Ordinal)))
        {
            errors.Invalid(path, name, "must be a standard resource for containers");
        }
    }

    // Native resources (no domain or the kubernetes.io domain) other than huge pages may be overcommitted;
    // huge pages and extended resources need requests equal to limits.
    private static bool IsOvercommitAllowed(string name) =>
        !name.StartsWith("hugepages-", StringComparison.Ordinal)
        && (!name.Contains('/') || name.StartsWith("kubernetes.io/", StringComparison.Ordinal) || name.Split('/')[0].EndsWith(".kubernetes.io", StringComparison.Ordinal));

    private static void Probe(V1Probe? probe, string path, bool mustSucceedOnce, bool readiness, FieldErrors errors)
    {
        if (probe is null)
        {
            return;
        }

        var handlers = new List<string>();
        if (probe.Exec is not null)
        {
            handlers.Add("exec");
        }

        if (probe.HttpGet is not null)
        {
            handlers.Add("httpGet");
        }

        if (probe.TcpSocket is not null)
        {
            handlers.Add("tcpSocket");
        }

        if (probe.Grpc is not null)
        {
            handlers.Add("grpc");
        }

        if (handlers.Count == 0)
        {
            errors.Required(path, "must specify a handler type");
        }

        foreach (var extra in handlers.Skip(1))
        {
            errors.Forbidden($"{path}.{extra}", "may not specify more than 1 handler type");
        }

        if (probe.HttpGet is { } http)
        {
            PortNumOrName(http.Port, $"{path}.httpGet.port", errors);
            if (!string.IsNullOrEmpty(http.Scheme) && !HttpSchemes.Contains(http.Scheme))
            {
                errors.NotSupported($"{path}.httpGet.scheme", http.Scheme, HttpSchemes);
            }
        }

        if (probe.TcpSocket is { } tcp)
        {
            PortNumOrName(tcp.Port, $"{path}.tcpSocket.port", errors);
        }

        if (probe.Grpc is { } grpc)
        {
            foreach (var msg in PortRules.IsValidPortNum(grpc.Port))
            {
                errors.Invalid($"{path}.grpc.port", grpc.Port, msg);
            }
        }

        CoreValidation.NonNegative(probe.InitialDelaySeconds, $"{path}.initialDelaySeconds", errors);
        CoreValidation.NonNegative(probe.TimeoutSeconds, $"{path}.timeoutSeconds", errors);
        CoreValidation.NonNegative(probe.PeriodSeconds, $"{path}.periodSeconds", errors);
        CoreValidation.NonNegative(probe.SuccessThreshold, $"{path}.successThreshold", errors);
        CoreValidation.NonNegative(probe.FailureThreshold, $"{path}.failureThreshold", errors);
        if (mustSucceedOnce && probe.SuccessThreshold is { } success and not 1)
        {
            errors.Invalid($"{path}.successThreshold", success, "must be 1");
        }

        if (readiness && probe.TerminationGracePeriodSeconds is not null)
        {
            errors.Invalid($"{path}.terminationGracePeriodSeconds", probe.TerminationGracePeriodSeconds.Value, "must not be set for readinessProbes");
        }
        else if (probe.TerminationGracePeriodSeconds is <= 0)
        {
            errors.Invalid($"{path}.terminationGracePeriodSeconds", probe.TerminationGracePeriodSeconds.Value, "must be greater than 0");
        }
    }
}
