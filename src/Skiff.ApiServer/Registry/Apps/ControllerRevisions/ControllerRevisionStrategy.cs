using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Apps.ControllerRevisions;

/// <summary>
/// apps/v1 ControllerRevisions (pkg/registry/apps/controllerrevision/strategy.go): data is required and,
/// like the revision number's meaning, never changes once written.
/// </summary>
internal sealed class ControllerRevisionStrategy : ResourceStrategy<V1ControllerRevision>
{
    public override TableConvertor<V1ControllerRevision> Table { get; } = new ControllerRevisionTable();

    public override void Validate(V1ControllerRevision obj, FieldErrors errors)
    {
        if (obj.Data is null)
        {
            errors.Required("data", "data is mandatory");
        }

        FieldRules.NonNegative(obj.Revision ?? 0, "revision", errors);
    }

    public override void ValidateUpdate(V1ControllerRevision obj, V1ControllerRevision old, FieldErrors errors)
    {
        Validate(obj, errors);
        if (!SpecDiff.JsonEqual(obj.Data, old.Data))
        {
            errors.Immutable("data", GoValue.Raw("runtime.RawExtension{...}"));
        }
    }
}
