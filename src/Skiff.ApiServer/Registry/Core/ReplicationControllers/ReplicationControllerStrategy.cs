using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.ReplicationControllers;

/// <summary>
/// ReplicationControllers, after pkg/registry/core/replicationcontroller/strategy.go,
/// SetDefaults_ReplicationController and ValidateReplicationController: selector and labels default
/// from the template, one replica by default, the selector must match the template, and the template
/// must restart Always. Generation tracks spec changes; status goes through the status subresource.
/// </summary>
internal sealed class ReplicationControllerStrategy : ResourceStrategy<V1ReplicationController>
{
    public override bool TracksGeneration => true;

    public override TableConvertor<V1ReplicationController> Table => ReplicationControllerTable.Instance;

    public override void Default(V1ReplicationController obj)
    {
        var spec = obj.Spec ??= new V1ReplicationControllerSpec();
        if (spec.Template?.Metadata?.Labels is { } labels)
        {
            if (spec.Selector is null || spec.Selector.Count == 0)
            {
                spec.Selector = new Dictionary<string, string>(labels);
            }

            if (obj.Metadata.Labels is null || obj.Metadata.Labels.Count == 0)
            {
                obj.Metadata.Labels = new Dictionary<string, string>(labels);
            }
        }

        spec.Replicas ??= 1;
        PodSpecDefaults.Apply(spec.Template?.Spec);
    }

    public override void PrepareForCreate(V1ReplicationController obj) =>
        obj.Status = new V1ReplicationControllerStatus { Replicas = 0 };

    public override void Validate(V1ReplicationController obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1ReplicationControllerSpec();
        if (spec.Selector is null || spec.Selector.Count == 0)
        {
            errors.Required("spec.selector");
        }
        else
        {
            FieldRules.Labels(spec.Selector, "spec.selector", errors);
        }

        FieldRules.NonNegative(spec.Replicas, "spec.replicas", errors);
        FieldRules.NonNegative(spec.MinReadySeconds, "spec.minReadySeconds", errors);

        var template = spec.Template;
        if (template is null)
        {
            errors.Required("spec.template");
            return;
        }

        if (spec.Selector is { Count: > 0 } selector && !LabelSelectors.MatchesMap(selector, template.Metadata?.Labels))
        {
            errors.Invalid("spec.template.metadata.labels", GoValue.StringMap(template.Metadata?.Labels), "`selector` does not match template `labels`");
        }

        PodSpecValidation.ValidateTemplate(template, "spec.template", errors);

        // ValidatePodTemplateSpecForRC makes the same restart rules as ReplicaSets' template validation.
        Apps.WorkloadValidation.RestartAlways(template, "spec.template", "ReplicationController", errors);
    }

    public override void ValidateStatusUpdate(V1ReplicationController obj, V1ReplicationController old, FieldErrors errors)
    {
        var status = obj.Status ?? new V1ReplicationControllerStatus();
        FieldRules.NonNegative(status.Replicas, "status.replicas", errors);
        FieldRules.NonNegative(status.FullyLabeledReplicas, "status.fullyLabeledReplicas", errors);
        FieldRules.NonNegative(status.ReadyReplicas, "status.readyReplicas", errors);
        FieldRules.NonNegative(status.AvailableReplicas, "status.availableReplicas", errors);
        FieldRules.NonNegative(status.ObservedGeneration, "status.observedGeneration", errors);
        if ((status.FullyLabeledReplicas ?? 0) > status.Replicas)
        {
            errors.Invalid("status.fullyLabeledReplicas", status.FullyLabeledReplicas!.Value, "must be less than or equal to replicas");
        }

        if ((status.ReadyReplicas ?? 0) > status.Replicas)
        {
            errors.Invalid("status.readyReplicas", status.ReadyReplicas!.Value, "must be less than or equal to replicas");
        }

        if ((status.AvailableReplicas ?? 0) > status.Replicas)
        {
            errors.Invalid("status.availableReplicas", status.AvailableReplicas!.Value, "must be less than or equal to replicas");
        }

        if ((status.AvailableReplicas ?? 0) > (status.ReadyReplicas ?? 0))
        {
            errors.Invalid("status.availableReplicas", status.AvailableReplicas!.Value, "must be less than or equal to readyReplicas");
        }
    }

    public override IEnumerable<KeyValuePair<string, string>> SelectableFields(V1ReplicationController obj)
    {
        yield return new("status.replicas", (obj.Status?.Replicas ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
