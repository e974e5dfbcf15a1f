using k8s.Models;

namespace Skiff.ApiServer.Authorization;

/// <summary>
/// One role per controller Skiff runs, with the rules of Kubernetes 1.33's <c>system:controller:NAME</c> roles
/// (bootstrappolicy's controller_policy.go; the legacy <c>extensions</c> group is left out, Skiff does not serve it).
/// </summary>
/// <remarks>
/// Kubernetes binds each role to the service account kube-system/NAME, and kube-controller-manager runs each controller
/// with that account's token (<c>--use-service-account-credentials</c>). Skiff's bindings name the same service account
/// and also the user <c>system:kube-controller-manager</c>: Skiff's controllers share one API connection in the server
/// process, so that identity holds the union of these roles and nothing more (no impersonate, no bind, escalate only on
/// clusterroles for the aggregation controller). The garbage collector, namespace deletion and quota counting act on
/// every resource, so the union reaches every resource for get/list/watch/patch/update/delete; creating objects,
/// subresources other than those named, RBAC grants and impersonation stay refused.
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
            Rule(["list", "watch", "get"], [""], "pods"),
            EventsRule(),
        ]);
        yield return ("pv-protection-controller",
        [
            Rule(["get", "list", "watch", "update"], [""], "persistentvolumes"),
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

        // Skiff's controllers that Kubernetes ships no ClusterRole for.
        yield return Role("skiff:controller:token-cleaner",
        [
            // Expired bootstrap tokens (Kubernetes grants this with a Role in kube-system; the bootstrap policy here is
            // cluster-scoped, and the garbage collector's rule reaches every secret anyway).
            Rule(["get", "list", "watch", "delete"], [""], "secrets"),
            EventsRule(),
        ]);
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

    private static IEnumerable<V1ClusterRoleBinding> ControllerBindings()
    {
        foreach (var (controller, _) in ControllerPolicies())
        {
            yield return Binding(ControllerRolePrefix + controller, ServiceAccount("kube-system", controller), User(SystemUsers.KubeControllerManager));
        }

        yield return Binding("skiff:controller:token-cleaner", User(SystemUsers.KubeControllerManager));
        yield return NamedBinding("skiff:local-path-provisioner", "system:persistent-volume-provisioner", User(SystemUsers.KubeControllerManager));
    }
}
