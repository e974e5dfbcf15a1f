using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Apps.StatefulSets;

/// <summary>
/// apps/v1 StatefulSets, following pkg/registry/apps/statefulset/strategy.go, SetDefaults_StatefulSet and
/// ValidateStatefulSetSpec / ValidateStatefulSetUpdate.
/// </summary>
internal sealed class StatefulSetStrategy : ResourceStrategy<V1StatefulSet>
{
    public const string ForbiddenUpdateMessage = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

    private static readonly string[] RetentionPolicies = ["Retain", "Delete"];

    public override bool TracksGeneration => true;

    /// <summary>StatefulSet names become pod hostnames, hence DNS labels (ValidateStatefulSetName).</summary>
    public override NameRule NameRule => NameRule.DnsLabel;

    public override TableConvertor<V1StatefulSet> Table { get; } = new StatefulSetTable();

    /// <summary>
    /// SetDefaults_StatefulSet: OrderedReady, RollingUpdate with partition 0, PVC retention Retain/Retain
    /// (StatefulSetAutoDeletePVC is GA), replicas 1, history 10; claim templates get PVC defaults.
    /// </summary>
    public override void Default(V1StatefulSet obj)
    {
        var spec = obj.Spec ??= new V1StatefulSetSpec();
        if (string.IsNullOrEmpty(spec.PodManagementPolicy))
        {
            spec.PodManagementPolicy = "OrderedReady";
        }

        var strategy = spec.UpdateStrategy ??= new V1StatefulSetUpdateStrategy();
        if (string.IsNullOrEmpty(strategy.Type))
        {
            strategy.Type = "RollingUpdate";
            strategy.RollingUpdate ??= new V1RollingUpdateStatefulSetStrategy();
        }

        if (strategy is { Type: "RollingUpdate", RollingUpdate: { } ru })
        {
            ru.Partition ??= 0;
        }

        var retention = spec.PersistentVolumeClaimRetentionPolicy ??= new V1StatefulSetPersistentVolumeClaimRetentionPolicy();
        if (string.IsNullOrEmpty(retention.WhenDeleted))
        {
            retention.WhenDeleted = "Retain";
        }

        if (string.IsNullOrEmpty(retention.WhenScaled))
        {
            retention.WhenScaled = "Retain";
        }

        spec.Replicas ??= 1;
        spec.RevisionHistoryLimit ??= 10;
        spec.Template ??= new V1PodTemplateSpec();
        PodSpecDefaults.ApplyTemplate(spec.Template);
        foreach (var claim in spec.VolumeClaimTemplates ?? [])
        {
            PodSpecDefaults.ClaimTemplate(claim);
        }
    }

    /// <summary>A new StatefulSet's status is Go's zero status (<c>replicas: 0, availableReplicas: 0</c>).</summary>
    public override void PrepareForCreate(V1StatefulSet obj)
    {
        base.PrepareForCreate(obj);
        obj.Status = new V1StatefulSetStatus { AvailableReplicas = 0 };
    }

    public override void Validate(V1StatefulSet obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1StatefulSetSpec();
        switch (spec.PodManagementPolicy)
        {
            case null or "":
                errors.Required("spec.podManagementPolicy");
                break;
            case "OrderedReady" or "Parallel":
                break;
            default:
                errors.Invalid("spec.podManagementPolicy", spec.PodManagementPolicy, "must be 'OrderedReady' or 'Parallel'");
                break;
        }

        switch (spec.UpdateStrategy?.Type)
        {
            case null or "":
                errors.Required("spec.updateStrategy");
                break;
            case "OnDelete":
                if (spec.UpdateStrategy.RollingUpdate is not null)
                {
                    errors.Invalid("spec.updateStrategy.rollingUpdate", GoValue.Raw("apps.RollingUpdateStatefulSetStrategy{...}"), "only allowed for updateStrategy 'RollingUpdate'");
                }

                break;
            case "RollingUpdate":
                if (spec.UpdateStrategy.RollingUpdate is { } ru)
                {
                    FieldRules.NonNegative(ru.Partition, "spec.updateStrategy.rollingUpdate.partition", errors);
                    if (ru.MaxUnavailable is not null)
                    {
                        const string mp = "spec.updateStrategy.rollingUpdate.maxUnavailable";
                        IntOrPercent.ValidatePositive(ru.MaxUnavailable, mp, errors);
                        if (IntOrPercent.Value(ru.MaxUnavailable) == 0)
                        {
                            errors.Invalid(mp, IntOrPercent.Shown(ru.MaxUnavailable), "cannot be 0");
                        }

                        IntOrPercent.NotMoreThan100Percent(ru.MaxUnavailable, mp, errors);
                    }
                }

                break;
            default:
                errors.Invalid("spec.updateStrategy", spec.UpdateStrategy.Type, "must be 'RollingUpdate' or 'OnDelete'");
                break;
        }

        if (spec.PersistentVolumeClaimRetentionPolicy is { } retention)
        {
            Retention(retention.WhenDeleted, "spec.persistentVolumeClaimRetentionPolicy.whenDeleted", errors);
            Retention(retention.WhenScaled, "spec.persistentVolumeClaimRetentionPolicy.whenScaled", errors);
        }

        FieldRules.NonNegative(spec.Replicas, "spec.replicas", errors);
        FieldRules.NonNegative(spec.MinReadySeconds, "spec.minReadySeconds", errors);
        FieldRules.NonNegative(spec.RevisionHistoryLimit, "spec.revisionHistoryLimit", errors);
        if (spec.Ordinals is { } ordinals)
        {
            FieldRules.NonNegative(ordinals.Start, "spec.ordinals.start", errors);
        }

        WorkloadValidation.Selector(spec.Selector, "spec.selector", "statefulset", errors);
        var template = spec.Template ?? new V1PodTemplateSpec();
        if (!LabelSelectors.IsConvertible(spec.Selector))
        {
            errors.Invalid("spec.selector", GoValue.Selector(spec.Selector), "");
        }
        else if (!LabelSelectors.IsEmpty(spec.Selector) && !LabelSelectors.Matches(spec.Selector, template.Metadata?.Labels))
        {
            errors.Invalid("spec.template.metadata.labels", GoValue.StringMap(template.Metadata?.Labels), WorkloadValidation.SelectorMismatch);
        }

        // Mounts may name volumeClaimTemplates as well as volumes.
        var claimNames = (spec.VolumeClaimTemplates ?? []).Select(c => c.Metadata?.Name ?? "").ToList();
        PodSpecValidation.ValidateTemplate(template, "spec.template", errors, claimNames);
        var rp = template.Spec?.RestartPolicy ?? "";
        if (rp != "Always")
        {
            errors.NotSupported("spec.template.spec.restartPolicy", rp, ["Always"]);
        }

        if (template.Spec?.ActiveDeadlineSeconds is not null)
        {
            errors.Forbidden("spec.template.spec.activeDeadlineSeconds", "activeDeadlineSeconds in StatefulSet is not Supported");
        }
    }

    private static void Retention(string? policy, string path, FieldErrors errors)
    {
        if (policy is not ("Retain" or "Delete"))
        {
            errors.NotSupported(path, policy ?? "", RetentionPolicies);
        }
    }

    /// <summary>
    /// ValidateStatefulSetUpdate: only replicas, ordinals, template, updateStrategy, revisionHistoryLimit,
    /// persistentVolumeClaimRetentionPolicy and minReadySeconds may change.
    /// </summary>
    public override void ValidateUpdate(V1StatefulSet obj, V1StatefulSet old, FieldErrors errors)
    {
        Validate(obj, errors);
        V1StatefulSetSpec Frozen(V1StatefulSetSpec? s) => new()
        {
            Selector = s?.Selector,
            ServiceName = s?.ServiceName,
            PodManagementPolicy = s?.PodManagementPolicy,
            VolumeClaimTemplates = s?.VolumeClaimTemplates,
        };

        if (!SpecDiff.JsonEqual(Frozen(obj.Spec), Frozen(old.Spec)))
        {
            errors.Forbidden("spec", ForbiddenUpdateMessage);
        }
    }

    /// <summary>ValidateStatefulSetStatus and the collisionCount rule.</summary>
    public override void ValidateStatusUpdate(V1StatefulSet obj, V1StatefulSet old, FieldErrors errors)
    {
        var s = obj.Status ?? new V1StatefulSetStatus();
        const string p = "status";
        int replicas = s.Replicas, ready = s.ReadyReplicas ?? 0, current = s.CurrentReplicas ?? 0, updated = s.UpdatedReplicas ?? 0, available = s.AvailableReplicas ?? 0;
        FieldRules.NonNegative(replicas, p + ".replicas", errors);
        FieldRules.NonNegative(ready, p + ".readyReplicas", errors);
        FieldRules.NonNegative(current, p + ".currentReplicas", errors);
        FieldRules.NonNegative(updated, p + ".updatedReplicas", errors);
        FieldRules.NonNegative(available, p + ".availableReplicas", errors);
        FieldRules.NonNegative(s.ObservedGeneration, p + ".observedGeneration", errors);
        FieldRules.NonNegative(s.CollisionCount, p + ".collisionCount", errors);
        const string msg = "cannot be greater than status.replicas";
        if (ready > replicas)
        {
            errors.Invalid(p + ".readyReplicas", ready, msg);
        }

        if (current > replicas)
        {
            errors.Invalid(p + ".currentReplicas", current, msg);
        }

        if (updated > replicas)
        {
            errors.Invalid(p + ".updatedReplicas", updated, msg);
        }

        if (available > replicas)
        {
            errors.Invalid(p + ".availableReplicas", available, msg);
        }

        if (available > ready)
        {
            errors.Invalid(p + ".availableReplicas", available, "cannot be greater than status.readyReplicas");
        }

        WorkloadValidation.CollisionCount(s.CollisionCount, old.Status?.CollisionCount, p + ".collisionCount", errors);
    }
}
