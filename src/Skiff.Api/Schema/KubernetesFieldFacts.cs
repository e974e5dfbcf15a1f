using k8s.Models;

namespace Skiff.Api.Schema;

/// <summary>
/// Facts about fields that the KubernetesClient models do not carry but the Kubernetes OpenAPI does:
/// patch strategies and list/map types (from the Go struct tags and markers of k8s.io/api),
/// required fields whose CLR type cannot say so (reference types), and which timestamps are
/// metav1.MicroTime rather than metav1.Time. The tables cover the served built-in resources; a
/// field that is not listed gets Kubernetes' default behaviour (replace lists, merge maps).
/// </summary>
internal static class KubernetesFieldFacts
{
    private static readonly PatchMetadata MergeByName = Map("name");

    private static readonly PatchMetadata MergeByType = Map("type");

    private static readonly PatchMetadata Atomic = new() { ListType = "atomic" };

    private static readonly Dictionary<(Type, string), PatchMetadata> Patch = new()
    {
        // core/v1 PodSpec
        [(typeof(V1PodSpec), "containers")] = MergeByName,
        [(typeof(V1PodSpec), "initContainers")] = MergeByName,
        [(typeof(V1PodSpec), "ephemeralContainers")] = MergeByName,
        [(typeof(V1PodSpec), "volumes")] = Map("name", "merge,retainKeys"),
        [(typeof(V1PodSpec), "imagePullSecrets")] = Map("name"),
        [(typeof(V1PodSpec), "hostAliases")] = Map("ip"),
        [(typeof(V1PodSpec), "topologySpreadConstraints")] = Map("topologyKey", keys: ["topologyKey", "whenUnsatisfiable"]),
        [(typeof(V1PodSpec), "resourceClaims")] = Map("name", "merge,retainKeys"),
        [(typeof(V1PodSpec), "schedulingGates")] = Map("name"),
        [(typeof(V1PodSpec), "tolerations")] = Atomic,
        [(typeof(V1PodSpec), "readinessGates")] = Atomic,

        // core/v1 Container and EphemeralContainer
        [(typeof(V1Container), "ports")] = Map("containerPort", keys: ["containerPort", "protocol"]),
        [(typeof(V1Container), "env")] = MergeByName,
        [(typeof(V1Container), "volumeMounts")] = Map("mountPath"),
        [(typeof(V1Container), "volumeDevices")] = Map("devicePath"),
        [(typeof(V1Container), "resizePolicy")] = Atomic,
        [(typeof(V1Container), "envFrom")] = Atomic,
        [(typeof(V1Container), "command")] = Atomic,
        [(typeof(V1Container), "args")] = Atomic,
        [(typeof(V1EphemeralContainer), "ports")] = Map("containerPort", keys: ["containerPort", "protocol"]),
        [(typeof(V1EphemeralContainer), "env")] = MergeByName,
        [(typeof(V1EphemeralContainer), "volumeMounts")] = Map("mountPath"),
        [(typeof(V1EphemeralContainer), "volumeDevices")] = Map("devicePath"),

        // metav1.ObjectMeta
        [(typeof(V1ObjectMeta), "finalizers")] = new() { PatchStrategy = "merge", ListType = "set" },
        [(typeof(V1ObjectMeta), "ownerReferences")] = Map("uid"),
        [(typeof(V1ObjectMeta), "managedFields")] = Atomic,
        [(typeof(V1LabelSelector), "matchExpressions")] = Atomic,

        // status conditions and addresses
        [(typeof(V1PodStatus), "conditions")] = MergeByType,
        [(typeof(V1PodStatus), "podIPs")] = Map("ip"),
        [(typeof(V1PodStatus), "hostIPs")] = Map("ip"),
        [(typeof(V1NodeStatus), "conditions")] = MergeByType,
        [(typeof(V1NodeStatus), "addresses")] = new() { PatchStrategy = "merge", PatchMergeKey = "type", ListType = "atomic" },
        [(typeof(V1NodeSpec), "taints")] = Atomic,
        [(typeof(V1NamespaceStatus), "conditions")] = MergeByType,
        [(typeof(V1PersistentVolumeClaimStatus), "conditions")] = MergeByType,
        [(typeof(V1ReplicationControllerStatus), "conditions")] = MergeByType,
        [(typeof(V1ServiceStatus), "conditions")] = MergeByType,
        [(typeof(V1DeploymentStatus), "conditions")] = MergeByType,
        [(typeof(V1ReplicaSetStatus), "conditions")] = MergeByType,
        [(typeof(V1StatefulSetStatus), "conditions")] = MergeByType,
        [(typeof(V1DaemonSetStatus), "conditions")] = MergeByType,
        [(typeof(V1JobStatus), "conditions")] = new() { PatchStrategy = "merge", PatchMergeKey = "type", ListType = "atomic" },
        [(typeof(V1PodDisruptionBudgetStatus), "conditions")] = MergeByType,
        [(typeof(V2HorizontalPodAutoscalerStatus), "conditions")] = MergeByType,

        // services
        [(typeof(V1ServiceSpec), "ports")] = Map("port", keys: ["port", "protocol"]),
        [(typeof(V1ServiceSpec), "clusterIPs")] = Atomic,
        [(typeof(V1ServiceSpec), "ipFamilies")] = Atomic,
        [(typeof(V1ServiceSpec), "externalIPs")] = Atomic,

        // workloads
        [(typeof(V1StatefulSetSpec), "volumeClaimTemplates")] = Atomic,
        [(typeof(V1DeploymentSpec), "strategy")] = new() { PatchStrategy = "retainKeys" },
        [(typeof(V1DaemonSetSpec), "updateStrategy")] = new() { PatchStrategy = "retainKeys" },
        [(typeof(V1CronJobStatus), "active")] = Atomic,

        // rbac
        [(typeof(V1Role), "rules")] = Atomic,
        [(typeof(V1ClusterRole), "rules")] = Atomic,
        [(typeof(V1RoleBinding), "subjects")] = Atomic,
        [(typeof(V1ClusterRoleBinding), "subjects")] = Atomic,
    };

    private static readonly Dictionary<Type, string[]> RequiredByType = new()
    {
        [typeof(V1Container)] = ["name"],
        [typeof(V1EphemeralContainer)] = ["name"],
        [typeof(V1EnvVar)] = ["name"],
        [typeof(V1VolumeMount)] = ["name", "mountPath"],
        [typeof(V1VolumeDevice)] = ["name", "devicePath"],
        [typeof(V1Volume)] = ["name"],
        [typeof(V1PodSpec)] = ["containers"],
        [typeof(V1DeploymentSpec)] = ["selector", "template"],
        [typeof(V1ReplicaSetSpec)] = ["selector"],
        [typeof(V1DaemonSetSpec)] = ["selector", "template"],
        [typeof(V1StatefulSetSpec)] = ["selector", "template"],
        [typeof(V1JobSpec)] = ["template"],
        [typeof(V1CronJobSpec)] = ["schedule", "jobTemplate"],
        [typeof(V1ObjectFieldSelector)] = ["fieldPath"],
        [typeof(V1ResourceFieldSelector)] = ["resource"],
        [typeof(V1ConfigMapKeySelector)] = ["key"],
        [typeof(V1SecretKeySelector)] = ["key"],
        [typeof(V1KeyToPath)] = ["key", "path"],
        [typeof(V1HTTPGetAction)] = ["port"],
        [typeof(V1TCPSocketAction)] = ["port"],
        [typeof(V1HTTPHeader)] = ["name", "value"],
        [typeof(V1LabelSelectorRequirement)] = ["key", "operator"],
        [typeof(V1NodeSelectorRequirement)] = ["key", "operator"],
        [typeof(V1NodeSelector)] = ["nodeSelectorTerms"],
        [typeof(V1OwnerReference)] = ["apiVersion", "kind", "name", "uid"],
        [typeof(V1Condition)] = ["type", "status", "lastTransitionTime", "reason", "message"],
        [typeof(V1PodCondition)] = ["type", "status"],
        [typeof(V1NodeCondition)] = ["type", "status"],
        [typeof(V1NamespaceCondition)] = ["type", "status"],
        [typeof(V1PersistentVolumeClaimCondition)] = ["type", "status"],
        [typeof(V1ReplicationControllerCondition)] = ["type", "status"],
        [typeof(V1DeploymentCondition)] = ["type", "status"],
        [typeof(V1ReplicaSetCondition)] = ["type", "status"],
        [typeof(V1StatefulSetCondition)] = ["type", "status"],
        [typeof(V1DaemonSetCondition)] = ["type", "status"],
        [typeof(V1JobCondition)] = ["type", "status"],
        [typeof(V2HorizontalPodAutoscalerCondition)] = ["type", "status"],
        [typeof(V1ContainerStatus)] = ["name", "ready", "restartCount", "image", "imageID"],
        [typeof(V1Taint)] = ["key", "effect"],
        [typeof(V1PodAffinityTerm)] = ["topologyKey"],
        [typeof(V1WeightedPodAffinityTerm)] = ["weight", "podAffinityTerm"],
        [typeof(V1PreferredSchedulingTerm)] = ["weight", "preference"],
        [typeof(V1TopologySpreadConstraint)] = ["maxSkew", "topologyKey", "whenUnsatisfiable"],
        [typeof(V1RoleRef)] = ["apiGroup", "kind", "name"],
        [typeof(Rbacv1Subject)] = ["kind", "name"],
        [typeof(V1PolicyRule)] = ["verbs"],
        [typeof(V1RoleBinding)] = ["roleRef"],
        [typeof(V1ClusterRoleBinding)] = ["roleRef"],
        [typeof(V1NodeAddress)] = ["type", "address"],
        [typeof(V1EndpointSlice)] = ["addressType", "endpoints"],
        [typeof(V1Endpoint)] = ["addresses"],
        [typeof(V1EndpointAddress)] = ["ip"],
        [typeof(V1HTTPIngressRuleValue)] = ["paths"],
        [typeof(V1HTTPIngressPath)] = ["pathType", "backend"],
        [typeof(V1IngressServiceBackend)] = ["name"],
        [typeof(V1IngressClassParametersReference)] = ["kind", "name"],
        [typeof(Corev1Event)] = ["metadata", "involvedObject"],
        [typeof(Eventsv1Event)] = ["eventTime"],
        [typeof(V1StorageClass)] = ["provisioner"],
        [typeof(V1TopologySelectorLabelRequirement)] = ["key", "values"],
        [typeof(V1HostPathVolumeSource)] = ["path"],
        [typeof(V1NFSVolumeSource)] = ["server", "path"],
        [typeof(V1PersistentVolumeClaimVolumeSource)] = ["claimName"],
        [typeof(V1LimitRangeSpec)] = ["limits"],
        [typeof(V1LimitRangeItem)] = ["type"],
        [typeof(V1CrossVersionObjectReference)] = ["kind", "name"],
        [typeof(V2CrossVersionObjectReference)] = ["kind", "name"],
        [typeof(V1HorizontalPodAutoscalerSpec)] = ["scaleTargetRef"],
        [typeof(V2HorizontalPodAutoscalerSpec)] = ["scaleTargetRef"],
        [typeof(V2MetricSpec)] = ["type"],
        [typeof(V2MetricTarget)] = ["type"],
        [typeof(V2ResourceMetricSource)] = ["name", "target"],
        [typeof(V1PersistentVolumeClaimTemplate)] = ["spec"],
        [typeof(V1PodResourceClaim)] = ["name"],
        [typeof(V1PodSchedulingGate)] = ["name"],
        [typeof(V1HostAlias)] = ["ip"],
        [typeof(V1Sysctl)] = ["name", "value"],
        [typeof(V1SeccompProfile)] = ["type"],
        [typeof(V1AppArmorProfile)] = ["type"],
        [typeof(V1ContainerResizePolicy)] = ["resourceName", "restartPolicy"],
        [typeof(V1AttachedVolume)] = ["name", "devicePath"],
        [typeof(V1CSIVolumeSource)] = ["driver"],
        [typeof(V1CSIPersistentVolumeSource)] = ["driver", "volumeHandle"],
        [typeof(V1APIResourceList)] = ["groupVersion", "resources"],
        [typeof(V1APIResource)] = ["name", "singularName", "namespaced", "kind", "verbs"],
        [typeof(V1ScopedResourceSelectorRequirement)] = ["scopeName", "operator"],
        [typeof(V1TypedLocalObjectReference)] = ["kind", "name"],
        [typeof(V1TypedObjectReference)] = ["kind", "name"],
        [typeof(V1PodIP)] = ["ip"],
        [typeof(V1HostIP)] = ["ip"],
        [typeof(V1IPBlock)] = ["cidr"],
        [typeof(V1ServiceAccountTokenProjection)] = ["path"],
        [typeof(V1DownwardAPIVolumeFile)] = ["path"],
        [typeof(V1WatchEvent)] = ["type", "object"],
    };

    // Timestamps with microsecond precision (metav1.MicroTime); every other DateTime is metav1.Time.
    private static readonly HashSet<(Type, string)> MicroTimes =
    [
        (typeof(V1LeaseSpec), "acquireTime"),
        (typeof(V1LeaseSpec), "renewTime"),
        (typeof(Corev1Event), "eventTime"),
        (typeof(Corev1EventSeries), "lastObservedTime"),
        (typeof(Eventsv1Event), "eventTime"),
        (typeof(Eventsv1EventSeries), "lastObservedTime"),
    ];

    public static PatchMetadata? PatchFor(Type declaringType, string jsonName) =>
        Patch.GetValueOrDefault((declaringType, jsonName));

    public static bool IsRequired(Type declaringType, string jsonName) =>
        RequiredByType.TryGetValue(declaringType, out var names) && Array.IndexOf(names, jsonName) >= 0;

    public static bool IsMicroTime(Type declaringType, string jsonName) => MicroTimes.Contains((declaringType, jsonName));

    /// <summary>Whether a struct type is marked <c>+structType=atomic</c> in k8s.io/api (owned and replaced as a whole by server-side apply).</summary>
    public static bool IsAtomicType(Type type) => AtomicStructs.Contains(type);

    // Types k8s.io/api marks +structType=atomic: selectors and references are only meaningful as a whole.
    private static readonly HashSet<Type> AtomicStructs =
    [
        typeof(V1LabelSelector),
        typeof(V1ObjectReference),
        typeof(V1LocalObjectReference),
        typeof(V1NodeSelector),
        typeof(V1TypedLocalObjectReference),
    ];

    private static PatchMetadata Map(string mergeKey, string strategy = "merge", string[]? keys = null) => new()
    {
        PatchStrategy = strategy,
        PatchMergeKey = mergeKey,
        ListType = "map",
        ListMapKeys = keys ?? [mergeKey],
    };
}
