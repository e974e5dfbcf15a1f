using k8s.Models;

namespace Skiff.Api.Resources;

/// <summary>
/// The built-in resources Skiff serves, with the names, scopes, short names and categories
/// Kubernetes gives them (what <c>kubectl api-resources</c> prints against a v1.33 cluster).
/// </summary>
public static class BuiltInResources
{
    private static readonly string[] All = ["all"];

    /// <summary>Every served resource, core group first, in discovery order.</summary>
    public static IReadOnlyList<ResourceInfo> Resources { get; } =
    [
        Core<V1Namespace, V1NamespaceList>("namespaces", "namespace", "Namespace", false, ["ns"], sub: ["status", "finalize"]),
        Core<V1Pod, V1PodList>("pods", "pod", "Pod", true, ["po"], All, ["status", "binding", "eviction", "log", "exec", "attach", "portforward", "proxy", "ephemeralcontainers", "resize"]),
        Core<V1Service, V1ServiceList>("services", "service", "Service", true, ["svc"], All, ["status", "proxy"]),
        Core<V1Endpoints, V1EndpointsList>("endpoints", "endpoints", "Endpoints", true, ["ep"]),
        Core<V1ConfigMap, V1ConfigMapList>("configmaps", "configmap", "ConfigMap", true, ["cm"]),
        Core<V1Secret, V1SecretList>("secrets", "secret", "Secret", true),
        Core<V1Node, V1NodeList>("nodes", "node", "Node", false, ["no"], sub: ["status", "proxy"]),
        Core<V1ServiceAccount, V1ServiceAccountList>("serviceaccounts", "serviceaccount", "ServiceAccount", true, ["sa"], sub: ["token"]),
        Core<Corev1Event, Corev1EventList>("events", "event", "Event", true, ["ev"]),
        Core<V1ReplicationController, V1ReplicationControllerList>("replicationcontrollers", "replicationcontroller", "ReplicationController", true, ["rc"], All, ["status", "scale"]),
        Core<V1ResourceQuota, V1ResourceQuotaList>("resourcequotas", "resourcequota", "ResourceQuota", true, ["quota"], sub: ["status"]),
        Core<V1LimitRange, V1LimitRangeList>("limitranges", "limitrange", "LimitRange", true, ["limits"]),
        Core<V1PersistentVolume, V1PersistentVolumeList>("persistentvolumes", "persistentvolume", "PersistentVolume", false, ["pv"], sub: ["status"]),
        Core<V1PersistentVolumeClaim, V1PersistentVolumeClaimList>("persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, ["pvc"], sub: ["status"]),
        Core<V1PodTemplate, V1PodTemplateList>("podtemplates", "podtemplate", "PodTemplate", true),

        Res<V1Deployment, V1DeploymentList>("apps", "v1", "deployments", "deployment", "Deployment", true, ["deploy"], All, ["status", "scale"]),
        Res<V1ReplicaSet, V1ReplicaSetList>("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, ["rs"], All, ["status", "scale"]),
        Res<V1DaemonSet, V1DaemonSetList>("apps", "v1", "daemonsets", "daemonset", "DaemonSet", true, ["ds"], All, ["status"]),
        Res<V1StatefulSet, V1StatefulSetList>("apps", "v1", "statefulsets", "statefulset", "StatefulSet", true, ["sts"], All, ["status", "scale"]),
        Res<V1ControllerRevision, V1ControllerRevisionList>("apps", "v1", "controllerrevisions", "controllerrevision", "ControllerRevision", true),

        Res<V1Job, V1JobList>("batch", "v1", "jobs", "job", "Job", true, [], All, ["status"]),
        Res<V1CronJob, V1CronJobList>("batch", "v1", "cronjobs", "cronjob", "CronJob", true, ["cj"], All, ["status"]),

        Res<V2HorizontalPodAutoscaler, V2HorizontalPodAutoscalerList>("autoscaling", "v2", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", true, ["hpa"], All, ["status"]),
        Res<V1HorizontalPodAutoscaler, V1HorizontalPodAutoscalerList>("autoscaling", "v1", "horizontalpodautoscalers", "horizontalpodautoscaler", "HorizontalPodAutoscaler", true, ["hpa"], All, ["status"])
            with { StorageGroupResource = "horizontalpodautoscalers.autoscaling/v2" },

        Res<V1Ingress, V1IngressList>("networking.k8s.io", "v1", "ingresses", "ingress", "Ingress", true, ["ing"], sub: ["status"]),
        Res<V1IngressClass, V1IngressClassList>("networking.k8s.io", "v1", "ingressclasses", "ingressclass", "IngressClass", false),
        Res<V1NetworkPolicy, V1NetworkPolicyList>("networking.k8s.io", "v1", "networkpolicies", "networkpolicy", "NetworkPolicy", true, ["netpol"]),

        Res<V1Role, V1RoleList>("rbac.authorization.k8s.io", "v1", "roles", "role", "Role", true),
        Res<V1ClusterRole, V1ClusterRoleList>("rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole", "ClusterRole", false),
        Res<V1RoleBinding, V1RoleBindingList>("rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding", "RoleBinding", true),
        Res<V1ClusterRoleBinding, V1ClusterRoleBindingList>("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false),

        Res<V1Lease, V1LeaseList>("coordination.k8s.io", "v1", "leases", "lease", "Lease", true),
        Res<V1EndpointSlice, V1EndpointSliceList>("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true),
        Res<Eventsv1Event, Eventsv1EventList>("events.k8s.io", "v1", "events", "event", "Event", true, ["ev"])
            with { StorageGroupResource = "events/v1" },
        Res<V1PodDisruptionBudget, V1PodDisruptionBudgetList>("policy", "v1", "poddisruptionbudgets", "poddisruptionbudget", "PodDisruptionBudget", true, ["pdb"], sub: ["status"]),
        Res<V1PriorityClass, V1PriorityClassList>("scheduling.k8s.io", "v1", "priorityclasses", "priorityclass", "PriorityClass", false, ["pc"]),
        Res<V1StorageClass, V1StorageClassList>("storage.k8s.io", "v1", "storageclasses", "storageclass", "StorageClass", false, ["sc"]),

        Res<V1MutatingWebhookConfiguration, V1MutatingWebhookConfigurationList>("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", false, categories: ["api-extensions"]),
        Res<V1ValidatingWebhookConfiguration, V1ValidatingWebhookConfigurationList>("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", false, categories: ["api-extensions"]),
    ];

    private static ResourceInfo Core<T, TList>(string plural, string singular, string kind, bool namespaced,
        string[]? shortNames = null, string[]? categories = null, string[]? sub = null) =>
        Res<T, TList>("", "v1", plural, singular, kind, namespaced, shortNames, categories, sub);

    private static ResourceInfo Res<T, TList>(string group, string version, string plural, string singular, string kind,
        bool namespaced, string[]? shortNames = null, string[]? categories = null, string[]? sub = null) => new()
    {
        Group = group,
        Version = version,
        Kind = kind,
        Plural = plural,
        Singular = singular,
        Namespaced = namespaced,
        Type = typeof(T),
        ListType = typeof(TList),
        ShortNames = shortNames ?? [],
        Categories = categories ?? [],
        Subresources = sub ?? [],
    };
}
