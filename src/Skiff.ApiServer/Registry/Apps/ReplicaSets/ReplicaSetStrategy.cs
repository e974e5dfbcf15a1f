using System.Globalization;
using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Apps.ReplicaSets;

/// <summary>
/// apps/v1 ReplicaSets, following pkg/registry/apps/replicaset/strategy.go, SetDefaults_ReplicaSet and
/// ValidateReplicaSetSpec.
/// </summary>
internal sealed class ReplicaSetStrategy : ResourceStrategy<V1ReplicaSet>
{
    public override bool TracksGeneration => true;

    public override TableConvertor<V1ReplicaSet> Table { get; } = new ReplicaSetTable();

    public override void Default(V1ReplicaSet obj)
    {
        var spec = obj.Spec ??= new V1ReplicaSetSpec();
        spec.Replicas ??= 1;
        spec.Template ??= new V1PodTemplateSpec();
        PodSpecDefaults.ApplyTemplate(spec.Template);
    }

    /// <summary>A new ReplicaSet's status is the zero status (<c>replicas: 0</c>), as Go serializes it.</summary>
    public override void PrepareForCreate(V1ReplicaSet obj)
    {
        base.PrepareForCreate(obj);
        obj.Status = new V1ReplicaSetStatus();
    }

    public override void Validate(V1ReplicaSet obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1ReplicaSetSpec();
        FieldRules.NonNegative(spec.Replicas, "spec.replicas", errors);
        FieldRules.NonNegative(spec.MinReadySeconds, "spec.minReadySeconds", errors);

        WorkloadValidation.ReplicaSetSelectorAndTemplate(spec.Selector, spec.Template, errors);
    }

    /// <summary>apps/v1 makes the selector immutable.</summary>
    public override void ValidateUpdate(V1ReplicaSet obj, V1ReplicaSet old, FieldErrors errors)
    {
        Validate(obj, errors);
        if (!SpecDiff.JsonEqual(obj.Spec?.Selector, old.Spec?.Selector))
        {
            errors.Immutable("spec.selector", GoValue.Selector(obj.Spec?.Selector));
        }
    }

    /// <summary>ValidateReplicaSetStatus.</summary>
    public override void ValidateStatusUpdate(V1ReplicaSet obj, V1ReplicaSet old, FieldErrors errors)
    {
        var s = obj.Status ?? new V1ReplicaSetStatus();
        const string p = "status";
        FieldRules.NonNegative(s.Replicas, p + ".replicas", errors);
        FieldRules.NonNegative(s.FullyLabeledReplicas, p + ".fullyLabeledReplicas", errors);
        FieldRules.NonNegative(s.ReadyReplicas, p + ".readyReplicas", errors);
        FieldRules.NonNegative(s.AvailableReplicas, p + ".availableReplicas", errors);
        FieldRules.NonNegative(s.ObservedGeneration, p + ".observedGeneration", errors);
        const string msg = "cannot be greater than status.replicas";
        int labeled = s.FullyLabeledReplicas ?? 0, ready = s.ReadyReplicas ?? 0, available = s.AvailableReplicas ?? 0;
        if (labeled > s.Replicas)
        {
            errors.Invalid(p + ".fullyLabeledReplicas", labeled, msg);
        }

        if (ready > s.Replicas)
        {
            errors.Invalid(p + ".readyReplicas", ready, msg);
        }

        if (available > s.Replicas)
        {
            errors.Invalid(p + ".availableReplicas", available, msg);
        }

        if (available > ready)
        {
            errors.Invalid(p + ".availableReplicas", available, "cannot be greater than readyReplicas");
        }
    }

    /// <summary>ReplicaSetToSelectableFields: <c>status.replicas</c>.</summary>
    public override IEnumerable<KeyValuePair<string, string>> SelectableFields(V1ReplicaSet obj) =>
        [new("status.replicas", (obj.Status?.Replicas ?? 0).ToString(CultureInfo.InvariantCulture))];
}
