using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.PodTemplates;

/// <summary>
/// PodTemplates, after pkg/registry/core/podtemplate/strategy.go and ValidatePodTemplate: the template's
/// pod spec gets the PodSpec defaults and validation. Generation starts at 1 and grows whenever the
/// template changes; the object has no spec property, so this strategy does that bookkeeping itself.
/// </summary>
internal sealed class PodTemplateStrategy : ResourceStrategy<V1PodTemplate>
{
    public override TableConvertor<V1PodTemplate> Table => PodTemplateTable.Instance;

    public override void Default(V1PodTemplate obj) => PodSpecDefaults.Apply(obj.Template?.Spec);

    public override void PrepareForCreate(V1PodTemplate obj) => obj.Metadata.Generation = 1;

    public override void PrepareForUpdate(V1PodTemplate obj, V1PodTemplate old)
    {
        var generation = old.Metadata.Generation ?? 1;
        obj.Metadata.Generation = SpecDiff.JsonEqual(obj.Template, old.Template) ? generation : generation + 1;
    }

    public override void Validate(V1PodTemplate obj, FieldErrors errors) =>
        PodSpecValidation.ValidateTemplate(obj.Template, "template", errors);
}
