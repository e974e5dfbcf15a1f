using k8s.Models;

namespace Skiff.ApiServer.Authorization;

/// <summary>
/// The roles of the control-plane components that are API clients (kube-scheduler, kube-proxy, kube-controller-manager)
/// with the rules Kubernetes 1.33 ships for them in its bootstrap policy, and the role of Skiff's in-process cluster DNS.
/// </summary>
internal static partial class BootstrapPolicy
{
    /// <summary>The create/update/patch of events every component needs to report what it did (bootstrappolicy's eventsRule).</summary>
    private static V1PolicyRule EventsRule() => Rule(["create", "update", "patch"], ["", "events.k8s.io"], "events");

    private static IEnumerable<V1ClusterRole> ComponentRoles()
    {
        string[] read = ["get", "list", "watch"];
        yield return Role("system:kube-scheduler",
        [
            EventsRule(),
            // Leader election on the Lease kube-system/kube-scheduler: create it once, then only that one.
            Rule(["create"], ["coordination.k8s.io"], "leases"),
            Named(Rule(["get", "update"], ["coordination.k8s.io"], "leases"), "kube-scheduler"),
            Rule(read, [""], "nodes"),
            // Deleting pods is preemption; pods/status carries the PodScheduled condition and nominatedNodeName.
            Rule(["get", "list", "watch", "delete"], [""], "pods"),
            Rule(["create"], [""], "pods/binding", "bindings"),
            Rule(["patch", "update"], [""], "pods/status"),
            // What selects pods (spreading, affinity) and what pods use.
            Rule(read, [""], "services", "replicationcontrollers"),
            Rule(read, ["apps"], "replicasets"),
            Rule(read, ["apps"], "statefulsets"),
            Rule(read, ["policy"], "poddisruptionbudgets"),
            Rule(read, [""], "persistentvolumeclaims", "persistentvolumes"),
            Rule(["create"], ["authentication.k8s.io"], "tokenreviews"),
            Rule(["create"], ["authorization.k8s.io"], "subjectaccessreviews"),
            Rule(read, ["storage.k8s.io"], "csinodes"),
            // namespaceSelector of pod (anti-)affinity terms.
            Rule(read, [""], "namespaces"),
            Rule(read, ["storage.k8s.io"], "csidrivers", "csistoragecapacities"),
        ]);
        // The volume binding part of the scheduler: binds claims to volumes and sets selected-node on claims.
        yield return Role("system:volume-scheduler",
        [
            Rule(["get", "list", "watch", "update", "patch"], [""], "persistentvolumes"),
            Rule(read, ["storage.k8s.io"], "storageclasses"),
            Rule(["get", "list", "watch", "update", "patch"], [""], "persistentvolumeclaims"),
        ]);
        yield return Role("system:node-proxier",
        [
            Rule(["list", "watch"], [""], "services", "endpoints"),
            Rule(read, [""], "nodes"),
            EventsRule(),
            Rule(["list", "watch"], ["discovery.k8s.io"], "endpointslices"),
        ]);
        // The controller manager's own identity: leader election, the shared informers (list and watch of everything)
        // and what it needs to hand controllers identities of their own. What the controllers do is in the
        // system:controller:* roles (see BootstrapPolicy.Controllers.cs).
        yield return Role("system:kube-controller-manager",
        [
            EventsRule(),
            Rule(["create"], ["coordination.k8s.io"], "leases"),
            Named(Rule(["get", "update"], ["coordination.k8s.io"], "leases"), "kube-controller-manager"),
            Rule(["create"], [""], "secrets", "serviceaccounts"),
            Rule(["delete"], [""], "secrets"),
            Rule(["get"], [""], "namespaces", "secrets", "serviceaccounts", "configmaps"),
            Rule(["update"], [""], "secrets", "serviceaccounts"),
            Rule(["create"], ["authentication.k8s.io"], "tokenreviews"),
            Rule(["create"], ["authorization.k8s.io"], "subjectaccessreviews"),
            Rule(["list", "watch"], ["*"], "*"),
            Rule(["create"], [""], "serviceaccounts/token"),
        ]);
        // Skiff's cluster DNS reads only what it answers from: Services, their EndpointSlices (headless and pod records)
        // and Namespaces. (CoreDNS's system:coredns also reads endpoints and pods, which this DNS does not use.)
        yield return Role("skiff:cluster-dns",
        [
            Rule(["list", "watch"], [""], "services", "namespaces"),
            Rule(["list", "watch"], ["discovery.k8s.io"], "endpointslices"),
        ]);
    }

    private static IEnumerable<V1ClusterRoleBinding> ComponentBindings()
    {
        yield return Binding("system:kube-scheduler", User(SystemUsers.KubeScheduler));
        yield return Binding("system:volume-scheduler", User(SystemUsers.KubeScheduler));
        yield return Binding("system:node-proxier", User(SystemUsers.KubeProxy));
        yield return Binding("system:kube-controller-manager", User(SystemUsers.KubeControllerManager));
        yield return Binding("skiff:cluster-dns", User(SystemUsers.ClusterDns));
    }

    private static V1PolicyRule Named(V1PolicyRule rule, params string[] names)
    {
        rule.ResourceNames = names;
        return rule;
    }

    private static Rbacv1Subject User(string name) => new() { Kind = "User", Name = name, ApiGroup = "rbac.authorization.k8s.io" };

    private static Rbacv1Subject ServiceAccount(string ns, string name) => new() { Kind = "ServiceAccount", Name = name, NamespaceProperty = ns };
}
