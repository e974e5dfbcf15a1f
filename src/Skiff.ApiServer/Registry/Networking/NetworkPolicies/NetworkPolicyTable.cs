using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Networking.NetworkPolicies;

/// <summary>kube-apiserver's networkpolicy printer: NAME POD-SELECTOR AGE.</summary>
internal sealed class NetworkPolicyTable : TableConvertor<V1NetworkPolicy>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Pod-Selector", "string", "Selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace."),
        Shared.Columns.Age,
    ];

    public override object?[] Cells(V1NetworkPolicy obj, DateTime now) =>
        [obj.Metadata.Name, LabelSelectors.Format(obj.Spec?.PodSelector ?? new V1LabelSelector()), HumanDuration.Since(obj.Metadata.CreationTimestamp, now)];
}
