using k8s.Models;
using Skiff.Api.Printing;

namespace Skiff.ApiServer.Registry.Networking.IngressClasses;

/// <summary>kube-apiserver's ingressclass printer: NAME CONTROLLER PARAMETERS AGE.</summary>
internal sealed class IngressClassTable : TableConvertor<V1IngressClass>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Controller", "string", "Controller that is responsible for handling this class"),
        new("Parameters", "string", "A reference to a resource with additional parameters"),
        Shared.Columns.Age,
    ];

    public override object?[] Cells(V1IngressClass obj, DateTime now)
    {
        var parameters = "<none>";
        if (obj.Spec?.Parameters is { } p)
        {
            parameters = p.Kind + (p.ApiGroup is not null ? "." + p.ApiGroup : "") + "/" + p.Name;
        }

        return [obj.Metadata.Name, obj.Spec?.Controller ?? "", parameters, HumanDuration.Since(obj.Metadata.CreationTimestamp, now)];
    }
}
