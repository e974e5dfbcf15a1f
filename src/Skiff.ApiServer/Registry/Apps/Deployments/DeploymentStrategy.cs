using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Apps.Deployments;

/// <summary>
/// apps/v1 Deployments, following kube-apiserver's pkg/registry/apps/deployment/strategy.go, the apps/v1
/// defaulters (SetDefaults_Deployment) and ValidateDeploymentSpec.
/// </summary>
internal sealed class DeploymentStrategy : ResourceStrategy<V1Deployment>
{
    private static readonly string[] StrategyTypes = ["Recreate", "RollingUpdate"];

    public override bool TracksGeneration => true;

    public override TableConvertor<V1Deployment> Table { get; } = new DeploymentTable();

    /// <summary>SetDefaults_Deployment: replicas 1, RollingUpdate 25%/25%, history 10, deadline 600, template defaults.</summary>
    public override void Default(V1Deployment obj)
    {
        var spec = obj.Spec ??= new V1DeploymentSpec();
        spec.Replicas ??= 1;
        var strategy = spec.Strategy ??= new V1DeploymentStrategy();
        if (string.IsNullOrEmpty(strategy.Type))
        {
            strategy.Type = "RollingUpdate";
        }

        if (strategy.Type == "RollingUpdate")
        {
            strategy.RollingUpdate ??= new V1RollingUpdateDeployment();
            strategy.RollingUpdate.MaxUnavailable ??= "25%";
            strategy.RollingUpdate.MaxSurge ??= "25%";
        }

        spec.RevisionHistoryLimit ??= 10;
        spec.ProgressDeadlineSeconds ??= 600;
        spec.Template ??= new V1PodTemplateSpec();
        PodSpecDefaults.ApplyTemplate(spec.Template);
    }

    /// <summary>A new deployment starts with an empty status (serialized as <c>status: {}</c>).</summary>
    public override void PrepareForCreate(V1Deployment obj)
    {
        base.PrepareForCreate(obj);
        obj.Status = new V1DeploymentStatus();
    }

    public override void Validate(V1Deployment obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1DeploymentSpec();
        FieldRules.NonNegative(spec.Replicas, "spec.replicas", errors);
        WorkloadValidation.ReplicaSetSelectorAndTemplate(spec.Selector, spec.Template, errors);

        ValidateStrategy(spec.Strategy, errors);
        FieldRules.NonNegative(spec.MinReadySeconds, "spec.minReadySeconds", errors);
        FieldRules.NonNegative(spec.RevisionHistoryLimit, "spec.revisionHistoryLimit", errors);
        if (spec.ProgressDeadlineSeconds is { } pds)
        {
            FieldRules.NonNegative(pds, "spec.progressDeadlineSeconds", errors);
            if (pds <= (spec.MinReadySeconds ?? 0))
            {
                errors.Invalid("spec.progressDeadlineSeconds", pds, "must be greater than minReadySeconds");
            }
        }
    }

    private static void ValidateStrategy(V1DeploymentStrategy? strategy, FieldErrors errors)
    {
        const string path = "spec.strategy";
        switch (strategy?.Type)
        {
            case "Recreate":
                if (strategy.RollingUpdate is not null)
                {
                    errors.Forbidden(path + ".rollingUpdate", "may not be specified when strategy `type` is 'Recreate'");
                }

                break;
            case "RollingUpdate":
                if (strategy.RollingUpdate is not { } ru)
                {
                    errors.Required(path + ".rollingUpdate", "this should be defaulted and never be nil");
                    break;
                }

                IntOrPercent.ValidatePositive(ru.MaxUnavailable, path + ".rollingUpdate.maxUnavailable", errors);
                IntOrPercent.ValidatePositive(ru.MaxSurge, path + ".rollingUpdate.maxSurge", errors);
                if (IntOrPercent.Value(ru.MaxUnavailable) == 0 && IntOrPercent.Value(ru.MaxSurge) == 0)
                {
                    errors.Invalid(path + ".rollingUpdate.maxUnavailable", IntOrPercent.Shown(ru.MaxUnavailable), "may not be 0 when `maxSurge` is 0");
                }

                IntOrPercent.NotMoreThan100Percent(ru.MaxUnavailable, path + ".rollingUpdate.maxUnavailable", errors);
                break;
            default:
                // Kubernetes reports the whole strategy struct here; its type is what the user got wrong.
                errors.NotSupported(path, strategy?.Type ?? "", StrategyTypes);
                break;
        }
    }

    /// <summary>apps/v1 makes the selector immutable (the deployment strategy's ValidateUpdate for apps/v1).</summary>
    public override void ValidateUpdate(V1Deployment obj, V1Deployment old, FieldErrors errors)
    {
        Validate(obj, errors);
        if (!SpecDiff.JsonEqual(obj.Spec?.Selector, old.Spec?.Selector))
        {
            errors.Immutable("spec.selector", GoValue.Selector(obj.Spec?.Selector));
        }
    }

    /// <summary>ValidateDeploymentStatusUpdate.</summary>
    public override void ValidateStatusUpdate(V1Deployment obj, V1Deployment old, FieldErrors errors)
    {
        var s = obj.Status ?? new V1DeploymentStatus();
        const string p = "status";
        FieldRules.NonNegative(s.ObservedGeneration, p + ".observedGeneration", errors);
        FieldRules.NonNegative(s.Replicas, p + ".replicas", errors);
        FieldRules.NonNegative(s.UpdatedReplicas, p + ".updatedReplicas", errors);
        FieldRules.NonNegative(s.ReadyReplicas, p + ".readyReplicas", errors);
        FieldRules.NonNegative(s.AvailableReplicas, p + ".availableReplicas", errors);
        FieldRules.NonNegative(s.UnavailableReplicas, p + ".unavailableReplicas", errors);
        FieldRules.NonNegative(s.CollisionCount, p + ".collisionCount", errors);
        int replicas = s.Replicas ?? 0, updated = s.UpdatedReplicas ?? 0, ready = s.ReadyReplicas ?? 0, available = s.AvailableReplicas ?? 0;
        const string msg = "cannot be greater than status.replicas";
        if (updated > replicas)
        {
            errors.Invalid(p + ".updatedReplicas", updated, msg);
        }

        if (ready > replicas)
        {
            errors.Invalid(p + ".readyReplicas", ready, msg);
        }

        if (available > replicas)
        {
            errors.Invalid(p + ".availableReplicas", available, msg);
        }

        if (available > ready)
        {
            errors.Invalid(p + ".availableReplicas", available, "cannot be greater than readyReplicas");
        }

        WorkloadValidation.CollisionCount(s.CollisionCount, old.Status?.CollisionCount, p + ".collisionCount", errors);
    }
}
