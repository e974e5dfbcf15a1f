using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Shared;

/// <summary>
/// The checks kube-apiserver's core validation (ValidatePodTemplateSpec / ValidatePodSpec in
/// pkg/apis/core/validation/validation.go) makes on a pod spec that users actually run into, with the same
/// field paths and messages, for pods and every workload template alike: containers present, names DNS labels
/// and unique, images set, ports and host ports, env, volumes and mounts, probes, pull and restart policies,
/// resources, tolerations. <see cref="ValidatePodOnly"/> adds the few checks ValidatePod makes on a Pod only.
/// Pure: adds errors, never throws, never mutates.
/// </summary>
internal static class PodSpecValidation
{
    private static readonly string[] RestartPolicies = ["Always", "OnFailure", "Never"];
    private static readonly string[] DnsPolicies = ["ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"];
    private static readonly string[] PullPolicies = ["Always", "IfNotPresent", "Never"];
    private static readonly string[] MessagePolicies = ["File", "FallbackToLogsOnError"];
    private static readonly string[] Schemes = ["HTTP", "HTTPS"];
    private static readonly string[] TolerationOperators = ["Equal", "Exists"];
    private static readonly string[] HostPathTypes = ["", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"];

    public const string FileModeMessage = "must be a number between 0 and 0777 (octal), both inclusive";

    /// <summary>ValidatePodTemplateSpec: template labels and annotations, then the spec.</summary>
    public static void ValidateTemplate(V1PodTemplateSpec? template, string path, FieldErrors errors, IReadOnlyCollection<string>? extraVolumeNames = null)
    {
        if (template is null)
        {
            errors.Required(path);
            return;
        }

        // Kubernetes reports template metadata at "<path>.labels", not "<path>.metadata.labels".
        FieldRules.Labels(template.Metadata?.Labels, path + ".labels", errors);
        FieldRules.Annotations(template.Metadata?.Annotations, path + ".annotations", errors);
        var spec = template.Spec ?? new V1PodSpec();
        Validate(spec, path + ".spec", errors, extraVolumeNames);
        if (spec.EphemeralContainers is { Count: > 0 })
        {
            errors.Forbidden(path + ".spec.ephemeralContainers", "ephemeral containers not allowed in pod template");
        }
    }

    /// <summary>
    /// ValidatePodSpec. <paramref name="extraVolumeNames"/> are names mounts may refer to besides
    /// <c>volumes</c> (a StatefulSet's volumeClaimTemplates).
    /// </summary>
    public static void Validate(V1PodSpec? spec, string path, FieldErrors errors, IReadOnlyCollection<string>? extraVolumeNames = null)
    {
        if (spec is null)
        {
            errors.Required(path);
            return;
        }

        var volumeNames = Volumes(spec.Volumes, path + ".volumes", errors);
        foreach (var extra in extraVolumeNames ?? [])
        {
            volumeNames.Add(extra);
        }

        var containers = spec.Containers ?? [];
        if (containers.Count == 0)
        {
            errors.Required(path + ".containers");
        }

        var containerNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (spec.InitContainers?.Count ?? 0); i++)
        {
            Container(spec.InitContainers![i], $"{path}.initContainers[{i}]", volumeNames, containerNames, isInit: true, errors);
        }

        for (var i = 0; i < containers.Count; i++)
        {
            Container(containers[i], $"{path}.containers[{i}]", volumeNames, containerNames, isInit: false, errors);
        }

        HostPorts(containers, path + ".containers", errors);

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

        FieldRules.Labels(spec.NodeSelector, path + ".nodeSelector", errors);
        if (!string.IsNullOrEmpty(spec.ServiceAccountName))
        {
            FieldRules.DnsSubdomain(spec.ServiceAccountName, path + ".serviceAccountName", errors);
        }

        if (!string.IsNullOrEmpty(spec.NodeName))
        {
            FieldRules.DnsSubdomain(spec.NodeName, path + ".nodeName", errors);
        }

        if (spec.ActiveDeadlineSeconds is { } deadline && deadline is < 1 or > int.MaxValue)
        {
            errors.Invalid(path + ".activeDeadlineSeconds", deadline, PortRules.InclusiveRangeError(1, int.MaxValue));
        }

        if (!string.IsNullOrEmpty(spec.Hostname))
        {
            FieldRules.DnsLabel(spec.Hostname, path + ".hostname", errors);
        }

        if (!string.IsNullOrEmpty(spec.Subdomain))
        {
            FieldRules.DnsLabel(spec.Subdomain, path + ".subdomain", errors);
        }

        Tolerations(spec.Tolerations, path + ".tolerations", errors);
        if (!string.IsNullOrEmpty(spec.PriorityClassName))
        {
            FieldRules.DnsSubdomain(spec.PriorityClassName, path + ".priorityClassName", errors);
        }
    }

    /// <summary>
    /// What ValidatePod checks beyond ValidatePodSpec (validateContainersOnlyForPod): images without surrounding
    /// whitespace. Templates may carry such images (some tools use " " as a placeholder), so only pods are checked.
    /// </summary>
    public static void ValidatePodOnly(V1PodSpec? spec, string path, FieldErrors errors)
    {
        void Images(IList<V1Container>? containers, string containersPath)
        {
            for (var i = 0; i < (containers?.Count ?? 0); i++)
            {
                var image = containers![i].Image;
                if (!string.IsNullOrEmpty(image) && image.Trim() != image)
                {
                    errors.Invalid($"{containersPath}[{i}].image", image, "must not have leading or trailing whitespace");
                }
            }
        }

        Images(spec?.Containers, path + ".containers");
        Images(spec?.InitContainers, path + ".initContainers");
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
                FieldRules.QualifiedName(t.Key, p + ".key", errors);
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
                    // Kubernetes joins the label-value problems into one message.
                    var valueErrors = NameRules.LabelValue(t.Value ?? "");
                    if (valueErrors.Count > 0)
                    {
                        errors.Invalid(p + ".operator", t.Value ?? "", string.Join(";", valueErrors));
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

            FieldRules.TaintEffect(t.Effect, allowEmpty: true, p + ".effect", errors);
        }
    }

    /// <summary>A port protocol: required, one of SCTP, TCP, UDP.</summary>
    public static void Protocol(string? protocol, string path, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(protocol))
        {
            errors.Required(path);
        }
        else if (!FieldRules.PortProtocols.Contains(protocol))
        {
            errors.NotSupported(path, protocol, FieldRules.PortProtocols);
        }
    }

    /// <summary>
    /// ValidatePortNumOrName for probe, service and policy ports. A missing port is Go's zero IntOrString,
    /// the number 0, which is out of range.
    /// </summary>
    public static void PortNumOrName(IntOrString? port, string path, FieldErrors errors)
    {
        if (port?.Value is { } name && !IntOrPercent.IsInt(port, out _))
        {
            foreach (var msg in PortRules.IsValidPortName(name))
            {
                errors.Invalid(path, name, msg);
            }

            return;
        }

        IntOrPercent.IsInt(port, out var number);
        foreach (var msg in PortRules.IsValidPortNum(number))
        {
            errors.Invalid(path, number, msg);
        }
    }

    // ValidateVolumes: a volume's source errors come first, then its name; only a volume without errors
    // can be mounted, so a mount of a broken volume is also reported as not found.
    private static HashSet<string> Volumes(IList<V1Volume>? volumes, string path, FieldErrors errors)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (volumes?.Count ?? 0); i++)
        {
            var v = volumes![i];
            var p = $"{path}[{i}]";
            var before = errors.Count;
            VolumeSource(v, p, errors);
            if (string.IsNullOrEmpty(v.Name))
            {
                errors.Required(p + ".name");
            }
            else
            {
                FieldRules.DnsLabel(v.Name, p + ".name", errors);
            }

            if (names.Contains(v.Name ?? ""))
            {
                errors.Duplicate(p + ".name", v.Name ?? "");
            }

            if (errors.Count == before)
            {
                names.Add(v.Name!);
            }
        }

        return names;
    }

    private static void VolumeSource(V1Volume v, string p, FieldErrors errors)
    {
        var sources = PodSpecDefaults.SourceNames(v).ToList();
        if (sources.Count == 0)
        {
            errors.Required(p, "must specify a volume type");
        }

        foreach (var extra in sources.Skip(1))
        {
            errors.Forbidden($"{p}.{extra}", "may not specify more than 1 volume type");
        }

        if (v.HostPath is { } hostPath)
        {
            if (string.IsNullOrEmpty(hostPath.Path))
            {
                errors.Required(p + ".hostPath.path");
            }

            if (hostPath.Type is { } type && !HostPathTypes.Contains(type))
            {
                errors.NotSupported(p + ".hostPath.type", type, HostPathTypes);
            }
        }

        if (v.EmptyDir?.SizeLimit is { } sizeLimit)
        {
            FieldRules.NonNegative(sizeLimit, p + ".emptyDir.sizeLimit", errors);
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

        if (v.DownwardAPI is { } downward)
        {
            FileMode(downward.DefaultMode, p + ".downwardAPI.defaultMode", errors);
        }

        if (v.Projected is { } projected)
        {
            FileMode(projected.DefaultMode, p + ".projected.defaultMode", errors);
        }

        if (v.PersistentVolumeClaim is { } pvc && string.IsNullOrEmpty(pvc.ClaimName))
        {
            errors.Required(p + ".persistentVolumeClaim.claimName");
        }

        if (v.Nfs is { } nfs)
        {
            if (string.IsNullOrEmpty(nfs.Server))
            {
                errors.Required(p + ".nfs.server");
            }

            if (string.IsNullOrEmpty(nfs.Path))
            {
                errors.Required(p + ".nfs.path");
            }
            else if (!nfs.Path.StartsWith('/'))
            {
                errors.Invalid(p + ".nfs.path", nfs.Path, "must be an absolute path");
            }
        }
    }

    private static void FileMode(int? mode, string path, FieldErrors errors)
    {
        if (mode is { } m && m is < 0 or > 511)
        {
            errors.Invalid(path, m, FileModeMessage);
        }
    }

    private static void Container(V1Container c, string path, HashSet<string> volumeNames, HashSet<string> containerNames, bool isInit, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(c.Name))
        {
            errors.Required(path + ".name");
        }
        else
        {
            FieldRules.DnsLabel(c.Name, path + ".name", errors);
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

        // restartPolicy is a pointer in Go: set at all (even empty) on a regular container is forbidden,
        // and an init container may only say Always (a sidecar).
        if (c.RestartPolicy is { } restart)
        {
            if (!isInit)
            {
                errors.Forbidden(path + ".restartPolicy", "may not be set for non-init containers");
            }
            else if (restart != "Always")
            {
                errors.NotSupported(path + ".restartPolicy", restart, ["Always"]);
            }
        }

        Ports(c.Ports, path + ".ports", errors);
        Env(c.Env, path + ".env", errors);
        Mounts(c.VolumeMounts, path + ".volumeMounts", volumeNames, errors);
        Resources(c.Resources, path + ".resources", errors);

        if (isInit && c.RestartPolicy != "Always")
        {
            // Plain init containers run to completion, so probes make no sense.
            foreach (var (probe, name) in new[] { (c.LivenessProbe, "livenessProbe"), (c.ReadinessProbe, "readinessProbe"), (c.StartupProbe, "startupProbe") })
            {
                if (probe is not null)
                {
                    errors.Forbidden($"{path}.{name}", "may not be set for init containers without restartPolicy=Always");
                }
            }
        }
        else
        {
            Probe(c.LivenessProbe, path + ".livenessProbe", mustSucceedOnce: true, readiness: false, errors);
            Probe(c.ReadinessProbe, path + ".readinessProbe", mustSucceedOnce: false, readiness: true, errors);
            Probe(c.StartupProbe, path + ".startupProbe", mustSucceedOnce: true, readiness: false, errors);
        }
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
                var nameErrors = PortRules.IsValidPortName(port.Name);
                foreach (var msg in nameErrors)
                {
                    errors.Invalid(p + ".name", port.Name, msg);
                }

                if (nameErrors.Count == 0 && !names.Add(port.Name))
                {
                    errors.Duplicate(p + ".name", port.Name);
                }
            }

            if (port.ContainerPort == 0)
            {
                errors.Required(p + ".containerPort");
            }
            else
            {
                foreach (var msg in PortRules.IsValidPortNum(port.ContainerPort))
                {
                    errors.Invalid(p + ".containerPort", port.ContainerPort, msg);
                }
            }

            if (port.HostPort is { } hostPort and not 0)
            {
                foreach (var msg in PortRules.IsValidPortNum(hostPort))
                {
                    errors.Invalid(p + ".hostPort", hostPort, msg);
                }
            }

            Protocol(port.Protocol, p + ".protocol", errors);
        }
    }

    // checkHostPortConflicts: host ports of the regular containers must be unique per protocol and host IP.
    private static void HostPorts(IList<V1Container> containers, string path, FieldErrors errors)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < containers.Count; i++)
        {
            var ports = containers[i].Ports;
            for (var j = 0; j < (ports?.Count ?? 0); j++)
            {
                var port = ports![j];
                if (port.HostPort is null or 0)
                {
                    continue;
                }

                var key = $"{port.Protocol}/{port.HostIP}/{port.HostPort}";
                if (!seen.Add(key))
                {
                    errors.Duplicate($"{path}[{i}].ports[{j}].hostPort", key);
                }
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
                // RelaxedEnvironmentVariableValidation (on by default since v1.32): any printable ASCII but '='.
                errors.Invalid(p + ".name", e.Name, "a valid environment variable name must consist only of printable ASCII characters other than '='");
            }

            if (e.ValueFrom is not { } from)
            {
                continue;
            }

            var count = new object?[] { from.FieldRef, from.ResourceFieldRef, from.ConfigMapKeyRef, from.SecretKeyRef, from.FileKeyRef }.Count(x => x is not null);
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

            if (from.ConfigMapKeyRef is { } cmRef && string.IsNullOrEmpty(cmRef.Key))
            {
                errors.Required(p + ".valueFrom.configMapKeyRef.key");
            }

            if (from.SecretKeyRef is { } secretRef && string.IsNullOrEmpty(secretRef.Key))
            {
                errors.Required(p + ".valueFrom.secretKeyRef.key");
            }

            if (from.FieldRef is { } fieldRef && string.IsNullOrEmpty(fieldRef.FieldPath))
            {
                errors.Required(p + ".valueFrom.fieldRef.fieldPath");
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

            // validateLocalDescendingPath: relative, and never stepping up.
            if (!string.IsNullOrEmpty(m.SubPath))
            {
                if (m.SubPath.StartsWith('/'))
                {
                    errors.Invalid(p + ".subPath", m.SubPath, "must be a relative path");
                }

                if (m.SubPath.Split('/').Contains(".."))
                {
                    errors.Invalid(p + ".subPath", m.SubPath, "must not contain '..'");
                }
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
            FieldRules.NonNegative(q, p, errors);
        }

        foreach (var (name, q) in resources.Requests ?? new Dictionary<string, ResourceQuantity>())
        {
            var p = $"{path}.requests[{name}]";
            ContainerResourceName(name, p, errors);
            FieldRules.NonNegative(q, p, errors);
            var overcommit = IsOvercommitAllowed(name);
            if (resources.Limits is not null && resources.Limits.TryGetValue(name, out var limit) && limit is not null && q is not null)
            {
                if (!overcommit && q.ToDecimal() != limit.ToDecimal())
                {
                    errors.Invalid(path + ".requests", FieldRules.QuantityText(q), $"must be equal to {name} limit of {FieldRules.QuantityText(limit)}");
                }
                else if (q.ToDecimal() > limit.ToDecimal())
                {
                    errors.Invalid(path + ".requests", FieldRules.QuantityText(q), $"must be less than or equal to {name} limit of {FieldRules.QuantityText(limit)}");
                }
            }
            else if (!overcommit)
            {
                errors.Required(path + ".limits", "Limit must be set for non overcommitable resources");
            }
        }
    }

    private static void ContainerResourceName(string name, string path, FieldErrors errors)
    {
        FieldRules.QualifiedName(name, path, errors);
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

        if (probe.Grpc is { } grpc)
        {
            foreach (var msg in PortRules.IsValidPortNum(grpc.Port))
            {
                errors.Invalid(path + ".grpc.port", grpc.Port, msg);
            }
        }

        FieldRules.NonNegative(probe.InitialDelaySeconds, path + ".initialDelaySeconds", errors);
        FieldRules.NonNegative(probe.TimeoutSeconds, path + ".timeoutSeconds", errors);
        FieldRules.NonNegative(probe.PeriodSeconds, path + ".periodSeconds", errors);
        FieldRules.NonNegative(probe.SuccessThreshold, path + ".successThreshold", errors);
        FieldRules.NonNegative(probe.FailureThreshold, path + ".failureThreshold", errors);
        if (mustSucceedOnce && probe.SuccessThreshold is { } success and not 1)
        {
            errors.Invalid(path + ".successThreshold", success, "must be 1");
        }

        if (readiness && probe.TerminationGracePeriodSeconds is { } readinessGrace)
        {
            errors.Invalid(path + ".terminationGracePeriodSeconds", readinessGrace, "must not be set for readinessProbes");
        }
        else if (probe.TerminationGracePeriodSeconds is { } grace and <= 0)
        {
            errors.Invalid(path + ".terminationGracePeriodSeconds", grace, "must be greater than 0");
        }
    }
}
