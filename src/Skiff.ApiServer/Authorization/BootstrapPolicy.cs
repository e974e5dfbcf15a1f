using k8s.Models;

namespace Skiff.ApiServer.Authorization;

/// <summary>
/// The ClusterRoles and ClusterRoleBindings every Kubernetes cluster starts with (kube-apiserver's bootstrap policy,
/// plugin/pkg/auth/authorizer/rbac/bootstrappolicy): cluster-admin, the user-facing admin/edit/view roles, discovery
/// and basic-user for every authenticated user, the node role, and the roles of the control-plane components
/// (BootstrapPolicy.Components.cs) and of each controller (BootstrapPolicy.Controllers.cs). Created when missing and, while they carry
/// <c>rbac.authorization.kubernetes.io/autoupdate: "true"</c>, brought up to date at start as kube-apiserver does.
/// </summary>
internal static partial class BootstrapPolicy
{
    public const string AutoUpdate = "rbac.authorization.kubernetes.io/autoupdate";

    private static readonly string[] Read = ["get", "list", "watch"];
    private static readonly string[] Write = ["create", "delete", "deletecollection", "patch", "update"];
    private static readonly string[] ReadWrite = [.. Write, .. Read];

    public static IReadOnlyList<V1ClusterRole> ClusterRoles { get; } = [.. Build(), .. ComponentRoles(), .. ControllerRoles()];

    public static IReadOnlyList<V1ClusterRoleBinding> ClusterRoleBindings { get; } =
    [
        Binding("cluster-admin", Group("system:masters")),
        Binding("system:discovery", Group("system:authenticated")),
        Binding("system:basic-user", Group("system:authenticated")),
        Binding("system:public-info-viewer", Group("system:authenticated"), Group("system:unauthenticated")),
        Binding("system:monitoring", Group("system:monitoring")),
        // What kubeadm binds for joining nodes (kubeadm:kubelet-bootstrap, kubeadm:node-autoapprove-bootstrap and
        // kubeadm:node-autoapprove-certificate-rotation), for the group of the tokens `skiff token create` makes.
        NamedBinding("skiff:kubelet-bootstrap", "system:node-bootstrapper", Group(DefaultNodeTokenGroup)),
        NamedBinding("skiff:node-autoapprove-bootstrap", "system:certificates.k8s.io:certificatesigningrequests:nodeclient", Group(DefaultNodeTokenGroup)),
        // Each node runs its own Service proxy and cluster DNS (k3s runs kube-proxy on every agent), as system:kube-proxy
        // and system:skiff-dns: a node may have those client certificates signed (auto-approved by csrapproving).
        NamedBinding("skiff:node-autoapprove-component-certificates", "skiff:certificatesigningrequests:nodecomponentclient", Group("system:nodes")),
        NamedBinding("skiff:node-autoapprove-certificate-rotation", "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", Group("system:nodes")),
        .. ComponentBindings(),
        .. ControllerBindings(),
    ];

    /// <summary>The extra group of join tokens (kubeadm's system:bootstrappers:kubeadm:default-node-token).</summary>
    public const string DefaultNodeTokenGroup = "system:bootstrappers:skiff:default-node-token";

    private static IReadOnlyList<V1ClusterRole> Build()
    {
        var viewRules = new List<V1PolicyRule>
        {
            Rule(Read, [""], "configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods", "replicationcontrollers",
                "replicationcontrollers/scale", "serviceaccounts", "services", "services/status"),
            Rule(Read, [""], "bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status", "replicationcontrollers/status",
                "resourcequotas", "resourcequotas/status"),
            Rule(Read, [""], "namespaces"),
            Rule(Read, ["discovery.k8s.io"], "endpointslices"),
            Rule(Read, ["apps"], "controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status",
                "replicasets", "replicasets/scale", "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status"),
            Rule(Read, ["autoscaling"], "horizontalpodautoscalers", "horizontalpodautoscalers/status"),
            Rule(Read, ["batch"], "cronjobs", "cronjobs/status", "jobs", "jobs/status"),
            Rule(Read, ["policy"], "poddisruptionbudgets", "poddisruptionbudgets/status"),
            Rule(Read, ["networking.k8s.io"], "ingresses", "ingresses/status", "networkpolicies"),
        };
        var editRules = new List<V1PolicyRule>
        {
            Rule(["impersonate"], [""], "serviceaccounts"),
            Rule(ReadWrite, [""], "pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"),
            Rule(["create"], [""], "pods/eviction"),
            Rule(ReadWrite, [""], "configmaps", "events", "persistentvolumeclaims", "replicationcontrollers", "replicationcontrollers/scale", "secrets",
                "serviceaccounts", "services", "services/proxy"),
            Rule(["create"], [""], "serviceaccounts/token"),
            Rule(ReadWrite, ["apps"], "daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets", "replicasets/scale",
                "statefulsets", "statefulsets/scale"),
            Rule(ReadWrite, ["autoscaling"], "horizontalpodautoscalers"),
            Rule(ReadWrite, ["batch"], "cronjobs", "jobs"),
            Rule(ReadWrite, ["policy"], "poddisruptionbudgets"),
            Rule(ReadWrite, ["networking.k8s.io"], "ingresses", "networkpolicies"),
            Rule(ReadWrite, ["coordination.k8s.io"], "leases"),
            Rule(ReadWrite, ["discovery.k8s.io"], "endpointslices"),
        };
        // metrics-server's system:aggregated-metrics-reader, aggregated into view, edit and admin. Nothing aggregates
        // ClusterRoles here yet, so the three roles carry its rule themselves.
        var metricsRules = new List<V1PolicyRule> { Rule(Read, ["metrics.k8s.io"], "nodes", "pods") };
        var adminRules = new List<V1PolicyRule>
        {
            Rule(["create"], ["authorization.k8s.io"], "localsubjectaccessreviews"),
            Rule(ReadWrite, ["rbac.authorization.k8s.io"], "rolebindings", "roles"),
        };

        return
        [
            Role("cluster-admin", [Rule(["*"], ["*"], "*"), NonResource(["*"], "*")]),
            Role("system:discovery", [NonResource(["get"], "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/")]),
            Role("system:public-info-viewer", [NonResource(["get"], "/healthz", "/livez", "/readyz", "/version", "/version/")]),
            Role("system:monitoring", [NonResource(["get"], "/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis", "/readyz", "/readyz/*")]),
            Role("system:basic-user",
            [
                Rule(["create"], ["authorization.k8s.io"], "selfsubjectaccessreviews", "selfsubjectrulesreviews"),
                Rule(["create"], ["authentication.k8s.io"], "selfsubjectreviews"),
            ]),
            // As in Kubernetes, view is aggregated into edit and edit into admin, so a ClusterRole labelled
            // aggregate-to-view extends all three. The rules given here are what the aggregation controller computes
            // from the defaults, so the roles work before it first runs (or without a controller manager).
            Aggregated("admin", "rbac.authorization.k8s.io/aggregate-to-admin", [.. viewRules, .. editRules, .. adminRules, .. metricsRules]),
            Labeled(Aggregated("edit", "rbac.authorization.k8s.io/aggregate-to-edit", [.. viewRules, .. editRules, .. metricsRules]), "rbac.authorization.k8s.io/aggregate-to-admin"),
            Labeled(Aggregated("view", "rbac.authorization.k8s.io/aggregate-to-view", [.. viewRules, .. metricsRules]), "rbac.authorization.k8s.io/aggregate-to-edit"),
            Labeled(Labeled(Labeled(Role("system:aggregated-metrics-reader", metricsRules), "rbac.authorization.k8s.io/aggregate-to-view"),
                "rbac.authorization.k8s.io/aggregate-to-edit"), "rbac.authorization.k8s.io/aggregate-to-admin"),
            Labeled(Role("system:aggregate-to-admin", adminRules), "rbac.authorization.k8s.io/aggregate-to-admin"),
            Labeled(Role("system:aggregate-to-edit", editRules), "rbac.authorization.k8s.io/aggregate-to-edit"),
            Labeled(Role("system:aggregate-to-view", viewRules), "rbac.authorization.k8s.io/aggregate-to-view"),
            Role("skiff:certificatesigningrequests:nodecomponentclient", [Rule(["create"], ["certificates.k8s.io"], "certificatesigningrequests/nodecomponentclient")]),
            Role("system:node-bootstrapper", [Rule(["create", "get", "list", "watch"], ["certificates.k8s.io"], "certificatesigningrequests")]),
            Role("system:certificates.k8s.io:certificatesigningrequests:nodeclient", [Rule(["create"], ["certificates.k8s.io"], "certificatesigningrequests/nodeclient")]),
            Role("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", [Rule(["create"], ["certificates.k8s.io"], "certificatesigningrequests/selfnodeclient")]),
            Role("system:node",
            [
                Rule(["create", "get", "list", "watch", "patch", "update", "delete"], [""], "nodes"),
                Rule(["patch", "update"], [""], "nodes/status"),
                Rule(["get", "list", "watch"], [""], "pods", "services", "endpoints", "configmaps", "secrets", "persistentvolumeclaims", "persistentvolumes"),
                Rule(["create", "delete"], [""], "pods"),
                Rule(["patch", "update"], [""], "pods/status"),
                Rule(["create"], [""], "pods/eviction", "serviceaccounts/token"),
                Rule(["create", "patch", "update"], ["", "events.k8s.io"], "events"),
                Rule(["get", "create", "update", "patch", "delete"], ["coordination.k8s.io"], "leases"),
                Rule(["get", "list", "watch"], ["storage.k8s.io"], "storageclasses", "csidrivers", "volumeattachments"),
                Rule(["get", "list", "watch"], ["node.k8s.io"], "runtimeclasses"),
                Rule(["create", "get", "list", "watch"], ["certificates.k8s.io"], "certificatesigningrequests"),
                Rule(["create"], ["authentication.k8s.io"], "tokenreviews"),
                Rule(["create"], ["authorization.k8s.io"], "subjectaccessreviews", "localsubjectaccessreviews"),
            ]),
        ];
    }

    private static V1PolicyRule Rule(string[] verbs, string[] groups, params string[] resources) =>
        new() { Verbs = verbs, ApiGroups = groups, Resources = resources };

    private static V1PolicyRule NonResource(string[] verbs, params string[] urls) => new() { Verbs = verbs, NonResourceURLs = urls };

    private static V1ClusterRole Role(string name, IList<V1PolicyRule> rules) => new()
    {
        ApiVersion = "rbac.authorization.k8s.io/v1",
        Kind = "ClusterRole",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = new Dictionary<string, string> { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
            Annotations = new Dictionary<string, string> { [AutoUpdate] = "true" },
        },
        Rules = rules,
    };

    private static V1ClusterRole Aggregated(string name, string label, IList<V1PolicyRule> rules)
    {
        var role = Role(name, rules);
        role.AggregationRule = new V1AggregationRule
        {
            ClusterRoleSelectors = [new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [label] = "true" } }],
        };
        return role;
    }

    private static V1ClusterRole Labeled(V1ClusterRole role, string label)
    {
        role.Metadata.Labels[label] = "true";
        return role;
    }

    private static Rbacv1Subject Group(string name) => new() { Kind = "Group", Name = name, ApiGroup = "rbac.authorization.k8s.io" };

    private static V1ClusterRoleBinding Binding(string role, params Rbacv1Subject[] subjects) => NamedBinding(role, role, subjects);

    private static V1ClusterRoleBinding NamedBinding(string name, string role, params Rbacv1Subject[] subjects) => new()
    {
        ApiVersion = "rbac.authorization.k8s.io/v1",
        Kind = "ClusterRoleBinding",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = new Dictionary<string, string> { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
            Annotations = new Dictionary<string, string> { [AutoUpdate] = "true" },
        },
        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = role },
        Subjects = subjects,
    };
}
