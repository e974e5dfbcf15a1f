using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.Nodes;

/// <summary>
/// The node columns of kube-apiserver's printers (printNode): STATUS from the Ready condition plus
/// SchedulingDisabled, ROLES from node-role.kubernetes.io/* and kubernetes.io/role labels.
/// </summary>
internal sealed class NodeTable : TableConvertor<V1Node>
{
    public static readonly NodeTable Instance = new();

    private const string RolePrefix = "node-role.kubernetes.io/";
    private const string RoleLabel = "kubernetes.io/role";

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Status", "string", "The status of the node"),
        new("Roles", "string", "The roles of the node"),
        Shared.Columns.Age,
        new("Version", "string", "Kubelet Version reported by the node."),
        new("Internal-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).", 1),
        new("External-IP", "string", "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).", 1),
        new("OS-Image", "string", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
        new("Kernel-Version", "string", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
        new("Container-Runtime", "string", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
    ];

    public override object?[] Cells(V1Node obj, DateTime now)
    {
        var status = new List<string>();
        var ready = obj.Status?.Conditions?.LastOrDefault(c => c.Type == "Ready");
        status.Add(ready is null ? "Unknown" : ready.Status == "True" ? "Ready" : "NotReady");
        if (obj.Spec?.Unschedulable == true)
        {
            status.Add("SchedulingDisabled");
        }

        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (k, v) in obj.Metadata.Labels ?? new Dictionary<string, string>())
        {
            if (k.StartsWith(RolePrefix, StringComparison.Ordinal) && k.Length > RolePrefix.Length)
            {
                roles.Add(k[RolePrefix.Length..]);
            }
            else if (k == RoleLabel && !string.IsNullOrEmpty(v))
            {
                roles.Add(v);
            }
        }

        var info = obj.Status?.NodeInfo;
        var osImage = string.IsNullOrEmpty(info?.OsImage) ? "<unknown>" : info.OsImage;
        var kernel = string.IsNullOrEmpty(info?.KernelVersion) ? "<unknown>" : info.KernelVersion;
        var runtime = string.IsNullOrEmpty(info?.ContainerRuntimeVersion) ? "<unknown>" : info.ContainerRuntimeVersion;
        if (!string.IsNullOrEmpty(info?.Architecture))
        {
            kernel += $" ({info.Architecture})";
        }

        return
        [
            obj.Metadata.Name,
            string.Join(",", status),
            roles.Count == 0 ? "<none>" : string.Join(",", roles),
            HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
            info?.KubeletVersion ?? "",
            Address(obj, "InternalIP"),
            Address(obj, "ExternalIP"),
            osImage,
            kernel,
            runtime,
        ];
    }

    private static string Address(V1Node node, string type) =>
        node.Status?.Addresses?.FirstOrDefault(a => a.Type == type)?.Address ?? "<none>";
}
