using k8s.Models;

namespace Skiff.ApiServer.Authorization;

/// <summary>
/// One role per controller Skiff runs, with the rules of Kubernetes 1.33's <c>system:controller:NAME</c> roles
/// (bootstrappolicy's controller_policy.go; the legacy <c>extensions</c> group is left out, Skiff does not serve it).
/// </summary>
/// <remarks>
/// As in Kubernetes, each role is bound to the service account kube-system/NAME, and the controller manager runs each
/// controller with a token of that account (<c>--use-service-account-credentials</c>; see the controller manager's
/// ServiceAccountClientBuilder), so a controller can do only what its own role allows. Where Skiff's controller writes
/// differently from kube-controller-manager's (a merge patch where Kubernetes sends an update), its role says so.
/// </remarks>
internal static partial class BootstrapPolicy
{
    private const string ControllerRolePrefix = "system:controller:";

    /// <summary>Every controller role with the controller name (its service account) it is bound to.</summary>
    private static IEnumerable<(string Controller, IList<V1PolicyRule> Rules)> ControllerPolicies()
    {
        string[] read = ["get", "list", "watch"];
        yield return ("clusterrole-aggregation-controller",
        [
            // It writes the union of other roles' rules into aggregated roles, which needs escalate.
            Rule(["escalate", "get", "list", "watch", "update", "patch"], ["rbac.authorization.k8s.io"], "clusterroles"),
        ]);
        yield return ("cronjob-controller",
        [
            Rule(["get", "list", "watch", "update"], ["batch"], "cronjobs"),
            Rule(["get", "list", "watch", "create", "update", "delete", "patch"], ["batch"], "jobs"),
            Rule(["update"], ["batch"], "cronjobs/status"),
            Rule(["update"], ["batch"], "cronjobs/finalizers"),
            Rule(["list", "watch", "delete"], [""], "pods"),
            EventsRule(),
        ]);
        yield return ("daemon-set-controller",
        [
            Rule(read, ["apps"], "daemonsets"),
            Rule(["update"], ["apps"], "daemonsets/status"),
            Rule(["update"], ["apps"], "daemonsets/finalizers"),
            Rule(["list", "watch"], [""], "nodes"),
            Rule(["list", "watch", "create", "delete", "patch"], [""], "pods"),
            Rule(["create"], [""], "pods/binding"),
            Rule(["get", "list", "watch", "create", "delete", "update", "patch"], ["apps"], "controllerrevisions"),
            EventsRule(),
        ]);
        yield return ("deployment-controller",
        [
            Rule(["get", "list", "watch", "update"], ["apps"], "deployments"),
            Rule(["update"], ["apps"], "deployments/status"),
            Rule(["update"], ["apps"], "deployments/finalizers"),
            Rule(["get", "list", "watch", "create", "update", "patch", "delete"], ["apps"], "replicasets"),
            Rule(["get", "list", "watch", "update"], [""], "pods"),
            EventsRule(),
        ]);
        yield return ("disruption-controller",
        [
            Rule(read, ["apps"], "deployments"),
            Rule(read, ["apps"], "replicasets"),
            Rule(read, [""], "replicationcontrollers"),
            Rule(read, ["policy"], "poddisruptionbudgets"),
            Rule(read, ["apps"], "statefulsets"),
            Rule(["update"], ["policy"], "poddisruptionbudgets/status"),
            Rule(["patch", "update"], [""], "pods/status"),
            Rule(["get"], ["*"], "*/scale"),
            EventsRule(),
        ]);
        yield return ("endpoint-controller",
        [
            Rule(read, [""], "services", "pods"),
            Rule(["get", "list", "watch", "create", "update", "delete"], [""], "endpoints"),
            Rule(["create"], [""], "endpoints/restricted"),
            EventsRule(),
        ]);
        yield return ("endpointslice-controller",
        [
            Rule(read, [""], "services", "pods", "nodes"),
            // An EndpointSlice owned by its Service with blockOwnerDeletion needs update on the Service's finalizers.
            Rule(["update"], [""], "services/finalizers"),
            Rule(["get", "list", "watch", "create", "update", "delete"], ["discovery.k8s.io"], "endpointslices"),
            EventsRule(),
        ]);
        yield return ("generic-garbage-collector",
        [
            // Owners and dependents can be of any resource.
            Rule(["get", "list", "watch", "patch", "update", "delete"], ["*"], "*"),
            EventsRule(),
        ]);
        yield return ("horizontal-pod-autoscaler",
        [
            Rule(read, ["autoscaling"], "horizontalpodautoscalers"),
            Rule(["update"], ["autoscaling"], "horizontalpodautoscalers/status"),
            Rule(["get", "update"], ["*"], "*/scale"),
            Rule(["list", "watch"], [""], "pods"),
            Rule(["list", "watch"], ["metrics.k8s.io"], "pods"),
            Rule(read, ["custom.metrics.k8s.io"], "*"),
            Rule(read, ["external.metrics.k8s.io"], "*"),
            EventsRule(),
        ]);
        yield return ("job-controller",
        [
            Rule(["get", "list", "watch", "update", "patch"], ["batch"], "jobs"),
            Rule(["update"], ["batch"], "jobs/status"),
            Rule(["update"], ["batch"], "jobs/finalizers"),
            Rule(["list", "watch", "create", "delete", "patch"], [""], "pods"),
            // Skiff's job controller reads a pod again when its finalizer patch lost a race.
            Rule(["get"], [""], "pods"),
            EventsRule(),
        ]);
        yield return ("namespace-controller",
        [
            Rule(["get", "list", "watch", "delete"], [""], "namespaces"),
            Rule(["update"], [""], "namespaces/finalize", "namespaces/status"),
            // A terminating namespace is emptied of every namespaced resource.
            Rule(["get", "list", "watch", "delete", "deletecollection"], ["*"], "*"),
        ]);
        // Also the node IPAM (podCIDR) and taint eviction controllers, which kube-controller-manager runs under this
        // account too.
        yield return ("node-controller",
        [
            Rule(["get", "list", "watch", "update", "delete", "patch"], [""], "nodes"),
            Rule(["patch", "update"], [""], "nodes/status"),
            Rule(["patch", "update"], [""], "pods/status"),
            Rule(["list", "watch", "get", "delete"], [""], "pods"),
            EventsRule(),
        ]);
        yield return ("persistent-volume-binder",
        [
            Rule(["get", "list", "watch", "update", "create", "delete"], [""], "persistentvolumes"),
            Rule(["update"], [""], "persistentvolumes/status"),
            Rule(["get", "list", "watch", "update"], [""], "persistentvolumeclaims"),
            Rule(["update"], [""], "persistentvolumeclaims/status"),
            Rule(["list", "watch", "get", "create", "delete"], [""], "pods"),
            Rule(read, ["storage.k8s.io"], "storageclasses"),
            Rule(["list", "watch"], [""], "nodes"),
            EventsRule(),
            Rule(["watch"], [""], "events"),
            Rule(["get"], [""], "services"),
        ]);
        yield return ("pod-garbage-collector",
        [
            Rule(["list", "watch", "delete"], [""], "pods"),
            Rule(read, [""], "nodes"),
            Rule(["patch"], [""], "pods/status"),
        ]);
        yield return ("replicaset-controller",
        [
            Rule(["get", "list", "watch", "update"], ["apps"], "replicasets"),
            Rule(["update"], ["apps"], "replicasets/status"),
            Rule(["update"], ["apps"], "replicasets/finalizers"),
            Rule(["list", "watch", "patch", "create", "delete"], [""], "pods"),
            EventsRule(),
        ]);
        yield return ("replication-controller",
        [
            Rule(["get", "list", "watch", "update"], [""], "replicationcontrollers"),
            Rule(["update"], [""], "replicationcontrollers/status"),
            Rule(["update"], [""], "replicationcontrollers/finalizers"),
            Rule(["list", "watch", "patch", "create", "delete"], [""], "pods"),
            EventsRule(),
        ]);
        yield return ("resourcequota-controller",
        [
            // Quota may count any resource (count/<resource>.<group>).
            Rule(["list", "watch"], ["*"], "*"),
            Rule(["update"], [""], "resourcequotas/status"),
            EventsRule(),
        ]);
        yield return ("service-account-controller",
        [
            Rule(["create"], [""], "serviceaccounts"),
            EventsRule(),
        ]);
        // Skiff's ServiceLB writes load-balancer addresses into Service status, which is this controller's job in Kubernetes.
        yield return ("service-controller",
        [
            Rule(read, [""], "services"),
            Rule(["patch", "update"], [""], "services/status"),
            Rule(["list", "watch"], [""], "nodes"),
            EventsRule(),
        ]);
        yield return ("statefulset-controller",
        [
            Rule(["list", "watch"], [""], "pods"),
            Rule(read, ["apps"], "statefulsets"),
            Rule(["update"], ["apps"], "statefulsets/status"),
            Rule(["update"], ["apps"], "statefulsets/finalizers"),
            Rule(["get", "create", "delete", "update", "patch"], [""], "pods"),
            Rule(["get", "create", "delete", "update", "patch", "list", "watch"], ["apps"], "controllerrevisions"),
            Rule(["get", "create", "list", "watch"], [""], "persistentvolumeclaims"),
            Rule(["update", "delete"], [""], "persistentvolumeclaims"),
            // Skiff's statefulset controller sets the claims' owner references (persistentVolumeClaimRetentionPolicy) with a patch.
            Rule(["patch"], [""], "persistentvolumeclaims"),
            Rule(["update"], [""], "pods/finalizers"),
            EventsRule(),
        ]);
        // The csrapproving and csrsigning controllers.
        yield return ("certificate-controller",
        [
            Rule(["get", "list", "watch", "delete"], ["certificates.k8s.io"], "certificatesigningrequests"),
            Rule(["update"], ["certificates.k8s.io"], "certificatesigningrequests/status", "certificatesigningrequests/approval"),
            Named(Rule(["approve"], ["certificates.k8s.io"], "signers"), "kubernetes.io/kube-apiserver-client-kubelet"),
            Named(Rule(["sign"], ["certificates.k8s.io"], "signers"),
                "kubernetes.io/legacy-unknown", "kubernetes.io/kube-apiserver-client", "kubernetes.io/kube-apiserver-client-kubelet", "kubernetes.io/kubelet-serving"),
            Rule(["create"], ["authorization.k8s.io"], "subjectaccessreviews"),
            EventsRule(),
        ]);
        yield return ("pvc-protection-controller",
        [
            Rule(["get", "list", "watch", "update"], [""], "persistentvolumeclaims"),
            // Skiff removes the protection finalizer with a patch.
            Rule(["patch"], [""], "persistentvolumeclaims"),
            Rule(["list", "watch", "get"], [""], "pods"),
            EventsRule(),
        ]);
        yield return ("pv-protection-controller",
        [
            Rule(["get", "list", "watch", "update"], [""], "persistentvolumes"),
            // Skiff removes the protection finalizer with a patch.
            Rule(["patch"], [""], "persistentvolumes"),
            EventsRule(),
        ]);
        yield return ("ttl-after-finished-controller",
        [
            Rule(["get", "list", "watch", "delete"], ["batch"], "jobs"),
            EventsRule(),
        ]);
        yield return ("root-ca-cert-publisher",
        [
            Rule(["create", "update"], [""], "configmaps"),
            EventsRule(),
        ]);
    }

    private static IEnumerable<V1ClusterRole> ControllerRoles()
    {
        foreach (var (controller, rules) in ControllerPolicies())
        {
            yield return Role(ControllerRolePrefix + controller, rules);
        }

        // Kubernetes' role for an out-of-tree volume provisioner, used by Skiff's local-path provisioner.
        yield return Role("system:persistent-volume-provisioner",
        [
            Rule(["get", "list", "watch", "create", "delete"], [""], "persistentvolumes"),
            Rule(["get", "list", "watch", "update"], [""], "persistentvolumeclaims"),
            Rule(["get", "list", "watch"], ["storage.k8s.io"], "storageclasses"),
            Rule(["watch"], [""], "events"),
            EventsRule(),
        ]);
    }

    /// <summary>
    /// The Roles Kubernetes' bootstrap policy makes in kube-system (namespace_policy.go) for the controllers Skiff runs:
    /// the token cleaner deletes expired bootstrap tokens, which live only there.
    /// </summary>
    public static IReadOnlyList<V1Role> Roles { get; } =
    [
        new V1Role
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = "Role",
            Metadata = SystemObjectMeta(ControllerRolePrefix + "token-cleaner", "kube-system"),
            Rules =
            [
                Rule(["delete", "get", "list", "watch"], [""], "secrets"),
                Rule(["create", "patch", "update"], ["", "events.k8s.io"], "events"),
            ],
        },
    ];

    /// <summary>The RoleBindings of <see cref="Roles"/>, each to the controller's service account.</summary>
    public static IReadOnlyList<V1RoleBinding> RoleBindings { get; } =
    [
        new V1RoleBinding
        {
            ApiVersion = "rbac.authorization.k8s.io/v1",
            Kind = "RoleBinding",
            Metadata = SystemObjectMeta(ControllerRolePrefix + "token-cleaner", "kube-system"),
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = ControllerRolePrefix + "token-cleaner" },
            Subjects = [ServiceAccount("kube-system", "token-cleaner")],
        },
    ];

    private static V1ObjectMeta SystemObjectMeta(string name, string ns) => new()
    {
        Name = name,
        NamespaceProperty = ns,
        Labels = new Dictionary<string, string> { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
        Annotations = new Dictionary<string, string> { [AutoUpdate] = "true" },
    };

    private static IEnumerable<V1ClusterRoleBinding> ControllerBindings()
    {
        foreach (var (controller, _) in ControllerPolicies())
        {
            yield return Binding(ControllerRolePrefix + controller, ServiceAccount("kube-system", controller));
        }

        yield return NamedBinding("skiff:local-path-provisioner", "system:persistent-volume-provisioner", ServiceAccount("kube-system", "local-path-provisioner"));
    }
}
