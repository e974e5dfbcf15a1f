using k8s.Models;
using Skiff.ApiServer.Authorization;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Admission;

/// <summary>
/// The NodeRestriction admission plugin (plugin/pkg/admission/noderestriction) for node agents (user
/// <c>system:node:NAME</c> in group <c>system:nodes</c>): a node may create only mirror pods bound to itself, delete
/// and update the status of only pods bound to itself, create, modify and delete only its own Node (without
/// changing its taints or setting labels under kubernetes.io / k8s.io other than the kubelet's own), and touch only
/// its own Lease in kube-node-lease. Service-account tokens for nodes are restricted where they are issued
/// (TokenRequest). Other users are not affected.
/// </summary>
internal sealed class NodeRestriction : IValidatingAdmissionPlugin
{
    public const string MirrorAnnotation = "kubernetes.io/config.mirror";
    private const string NodeLeaseNamespace = "kube-node-lease";

    /// <summary>Labels a kubelet sets on its own Node (kubelet's KubeletLabels).</summary>
    private static readonly HashSet<string> KubeletLabels = new(StringComparer.Ordinal)
    {
        "kubernetes.io/hostname", "kubernetes.io/arch", "kubernetes.io/os", "beta.kubernetes.io/instance-type", "node.kubernetes.io/instance-type",
        "failure-domain.beta.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone", "topology.kubernetes.io/region",
        "topology.kubernetes.io/zone", "beta.kubernetes.io/arch", "beta.kubernetes.io/os",
    };

    /// <summary>Label namespaces (and their subdomains) a kubelet may use freely.</summary>
    private static readonly string[] KubeletLabelNamespaces = ["kubelet.kubernetes.io", "node.kubernetes.io"];

    public string Name => "NodeRestriction";

    public bool Handles(AdmissionAttributes a) =>
        NodeName(a.User) is not null
        && ((a.Resource.Group.Length == 0 && a.Resource.Plural is "pods" or "nodes")
            || (a.Resource.Group == "coordination.k8s.io" && a.Resource.Plural == "leases"));

    /// <summary>The node a user is, or null for every other user.</summary>
    internal static string? NodeName(UserInfo? user) =>
        user is not null && user.Groups.Contains(NodeAuthorizer.NodesGroup) && user.Name.StartsWith(NodeAuthorizer.NodeUserPrefix, StringComparison.Ordinal)
            ? user.Name[NodeAuthorizer.NodeUserPrefix.Length..]
            : null;

    public ValueTask ValidateAsync(AdmissionAttributes a, CancellationToken ct)
    {
        var node = NodeName(a.User)!;
        switch (a.Resource.Plural)
        {
            case "pods":
                AdmitPod(a, node);
                break;
            case "nodes":
                AdmitNode(a, node);
                break;
            default:
                AdmitLease(a, node);
                break;
        }

        return ValueTask.CompletedTask;
    }

    private static void AdmitPod(AdmissionAttributes a, string node)
    {
        switch (a.Subresource)
        {
            case null:
                switch (a.Operation)
                {
                    case AdmissionOperation.Create:
                        AdmitMirrorPod(a, node, (V1Pod)a.Object!);
                        return;
                    case AdmissionOperation.Delete:
                        if (((V1Pod)a.OldObject!).Spec?.NodeName != node)
                        {
                            throw Forbidden(a, $"node \"{node}\" can only delete pods with spec.nodeName set to itself");
                        }

                        return;
                    default:
                        throw Forbidden(a, $"unexpected operation \"{Operation(a.Operation)}\", node \"{node}\" can only create and delete mirror pods");
                }

            case "status":
                if (((V1Pod)a.OldObject!).Spec?.NodeName != node)
                {
                    throw Forbidden(a, $"node \"{node}\" can only update pod status for pods with spec.nodeName set to itself");
                }

                return;
            case "eviction":
                if (((V1Pod?)a.OldObject)?.Spec?.NodeName != node)
                {
                    throw Forbidden(a, $"node \"{node}\" can only evict pods with spec.nodeName set to itself");
                }

                return;
            default:
                throw Forbidden(a, $"unexpected pod subresource \"{a.Subresource}\", only 'status' and 'eviction' are allowed");
        }
    }

    private static void AdmitMirrorPod(AdmissionAttributes a, string node, V1Pod pod)
    {
        if (pod.Metadata?.Annotations?.ContainsKey(MirrorAnnotation) != true)
        {
            throw Forbidden(a, $"pod does not have \"{MirrorAnnotation}\" annotation, node \"{node}\" can only create mirror pods");
        }

        if (pod.Spec?.NodeName != node)
        {
            throw Forbidden(a, $"node \"{node}\" can only create pods with spec.nodeName set to itself");
        }

        foreach (var owner in pod.Metadata.OwnerReferences ?? [])
        {
            if (owner.ApiVersion != "v1" || owner.Kind != "Node" || owner.Name != node)
            {
                throw Forbidden(a, $"node \"{node}\" can only create pods with an owner reference set to itself");
            }
        }

        // A mirror pod is a static pod's shadow: it may not pull in API objects the node could not otherwise read.
        var spec = pod.Spec;
        if (!string.IsNullOrEmpty(spec.ServiceAccountName) || (spec.Volumes ?? []).Any(v => v.Projected?.Sources?.Any(s => s.ServiceAccountToken is not null) == true))
        {
            throw Forbidden(a, $"node \"{node}\" can not create pods that use service accounts");
        }

        var containers = (spec.InitContainers ?? []).Concat(spec.Containers ?? []).ToList();
        if ((spec.Volumes ?? []).Any(v => v.Secret is not null || v.Projected?.Sources?.Any(s => s.Secret is not null) == true)
            || containers.Any(c => (c.Env ?? []).Any(e => e.ValueFrom?.SecretKeyRef is not null) || (c.EnvFrom ?? []).Any(e => e.SecretRef is not null)))
        {
            throw Forbidden(a, $"node \"{node}\" can not create pods that reference secrets");
        }

        if ((spec.Volumes ?? []).Any(v => v.ConfigMap is not null || v.Projected?.Sources?.Any(s => s.ConfigMap is not null) == true)
            || containers.Any(c => (c.Env ?? []).Any(e => e.ValueFrom?.ConfigMapKeyRef is not null) || (c.EnvFrom ?? []).Any(e => e.ConfigMapRef is not null)))
        {
            throw Forbidden(a, $"node \"{node}\" can not create pods that reference configmaps");
        }

        if ((spec.Volumes ?? []).Any(v => v.PersistentVolumeClaim is not null || v.Ephemeral is not null))
        {
            throw Forbidden(a, $"node \"{node}\" can not create pods that reference persistentvolumeclaims");
        }
    }

    private static void AdmitNode(AdmissionAttributes a, string node)
    {
        if (a.Name != node)
        {
            throw Forbidden(a, $"node \"{node}\" is not allowed to modify node \"{a.Name}\"");
        }

        if (a.Operation == AdmissionOperation.Create && a.Object is V1Node created)
        {
            var forbidden = ForbiddenLabels(created.Metadata?.Labels?.Keys ?? []);
            if (forbidden.Count > 0)
            {
                throw Forbidden(a, $"node \"{node}\" is not allowed to set the following labels: {string.Join(", ", forbidden)}");
            }

            return;
        }

        if (a.Operation == AdmissionOperation.Update && a.Subresource is null && a.Object is V1Node updated && a.OldObject is V1Node old)
        {
            var labels = updated.Metadata?.Labels ?? new Dictionary<string, string>();
            var oldLabels = old.Metadata?.Labels ?? new Dictionary<string, string>();
            var modified = labels.Keys.Union(oldLabels.Keys)
                .Where(k => !labels.TryGetValue(k, out var v) || !oldLabels.TryGetValue(k, out var ov) || v != ov);
            var forbidden = ForbiddenLabels(modified);
            if (forbidden.Count > 0)
            {
                throw Forbidden(a, $"node \"{node}\" is not allowed to modify labels: {string.Join(", ", forbidden)}");
            }

            if (!ApiJsonTaints(updated).Equals(ApiJsonTaints(old), StringComparison.Ordinal))
            {
                throw Forbidden(a, $"node \"{node}\" is not allowed to modify taints");
            }
        }
    }

    private static string ApiJsonTaints(V1Node node) =>
        node.Spec?.Taints is { Count: > 0 } taints ? System.Text.Encoding.UTF8.GetString(Registry.ApiJson.Serialize(taints)) : "";

    /// <summary>Labels under kubernetes.io or k8s.io that are not the kubelet's own, sorted as Kubernetes lists them.</summary>
    internal static List<string> ForbiddenLabels(IEnumerable<string> keys) =>
        keys.Where(k => IsKubernetesLabel(k) && !IsKubeletLabel(k)).Order(StringComparer.Ordinal).ToList();

    private static string LabelNamespace(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? "" : key[..slash];
    }

    private static bool IsKubernetesLabel(string key)
    {
        var ns = LabelNamespace(key);
        return ns is "kubernetes.io" or "k8s.io" || ns.EndsWith(".kubernetes.io", StringComparison.Ordinal) || ns.EndsWith(".k8s.io", StringComparison.Ordinal);
    }

    private static bool IsKubeletLabel(string key)
    {
        if (KubeletLabels.Contains(key))
        {
            return true;
        }

        var ns = LabelNamespace(key);
        return KubeletLabelNamespaces.Any(allowed => ns == allowed || ns.EndsWith("." + allowed, StringComparison.Ordinal));
    }

    private static void AdmitLease(AdmissionAttributes a, string node)
    {
        if (a.Namespace != NodeLeaseNamespace)
        {
            throw Forbidden(a, $"can only access leases in the \"{NodeLeaseNamespace}\" system namespace");
        }

        if (a.Name != node)
        {
            throw Forbidden(a, "can only access node lease with the same name as the requesting node");
        }
    }

    private static string Operation(AdmissionOperation op) => op.ToString().ToUpperInvariant();

    private static ApiException Forbidden(AdmissionAttributes a, string why)
    {
        var qualified = a.Resource.Group.Length == 0 ? a.Resource.Plural : $"{a.Resource.Plural}.{a.Resource.Group}";
        return new ApiException(403, "Forbidden", $"{qualified} \"{a.Name}\" is forbidden: {why}", new V1StatusDetails
        {
            Name = a.Name,
            Group = a.Resource.Group.Length > 0 ? a.Resource.Group : null,
            Kind = a.Resource.Plural,
        });
    }
}
