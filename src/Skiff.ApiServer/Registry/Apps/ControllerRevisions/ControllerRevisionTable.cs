using k8s.Models;
using Skiff.Api.Printing;

namespace Skiff.ApiServer.Registry.Apps.ControllerRevisions;

/// <summary>kube-apiserver's controllerrevision printer: NAME CONTROLLER REVISION AGE.</summary>
internal sealed class ControllerRevisionTable : TableConvertor<V1ControllerRevision>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Controller", "string", "Controller of the object"),
        new("Revision", "string", "Revision indicates the revision of the state represented by Data."),
        Shared.Columns.Age,
    ];

    public override object?[] Cells(V1ControllerRevision obj, DateTime now) =>
    [
        obj.Metadata.Name,
        ControllerName(obj.Metadata.OwnerReferences),
        obj.Revision ?? 0,
        HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
    ];

    /// <summary>
    /// The controller owner as <c>kind.group/name</c> in lower case (formatResourceName of its GroupKind),
    /// or <c>&lt;none&gt;</c>.
    /// </summary>
    internal static string ControllerName(IList<V1OwnerReference>? owners)
    {
        var owner = owners?.FirstOrDefault(o => o.Controller == true);
        if (owner is null)
        {
            return "<none>";
        }

        var apiVersion = owner.ApiVersion ?? "";
        var slash = apiVersion.IndexOf('/');
        var group = slash >= 0 ? apiVersion[..slash] : "";
        var kind = owner.Kind ?? "";
        if (kind.Length == 0 && group.Length == 0)
        {
            return owner.Name;
        }

        var groupKind = group.Length == 0 ? kind : $"{kind}.{group}";
        return groupKind.ToLowerInvariant() + "/" + owner.Name;
    }
}
