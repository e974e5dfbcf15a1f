using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Apps;

/// <summary>
/// Checks shared by the apps/v1 workloads (pkg/apis/apps/validation): the selector, the selector-template
/// match, the pod template, and the rule that controller-managed pods restart Always.
/// </summary>
internal static class WorkloadValidation
{
    public const string SelectorMismatch = "`selector` does not match template `labels`";

    /// <summary>
    /// The selector rules of ValidateDeploymentSpec / ValidateReplicaSetSpec / ValidateStatefulSetSpec: required,
    /// valid, non-empty (with the kind named in the message exactly as Kubernetes names it).
    /// </summary>
    public static void Selector(V1LabelSelector? selector, string path, string emptyKind, FieldErrors errors)
    {
        if (selector is null)
        {
            errors.Required(path);
            return;
        }

        LabelSelectors.Validate(selector, path, errors);
        if (LabelSelectors.IsEmpty(selector))
        {
            errors.Invalid(path, GoValue.Selector(selector), $"empty selector is invalid for {emptyKind}");
        }
    }

    /// <summary>
    /// The selector and template rules deployments and ReplicaSets share (Kubernetes uses the deployment
    /// wording for both): a valid, non-empty selector, and a template it selects.
    /// </summary>
    public static void ReplicaSetSelectorAndTemplate(V1LabelSelector? selector, V1PodTemplateSpec? template, FieldErrors errors)
    {
        Selector(selector, "spec.selector", "deployment", errors);
        if (!LabelSelectors.IsConvertible(selector))
        {
            errors.Invalid("spec.selector", GoValue.Selector(selector), "invalid label selector");
        }
        else
        {
            TemplateForReplicaSet(selector, template, "spec.template", "ReplicaSet", errors);
        }
    }

    /// <summary>ValidatePodTemplateSpecForReplicaSet (also used for deployments).</summary>
    public static void TemplateForReplicaSet(V1LabelSelector? selector, V1PodTemplateSpec? template, string path, string kindForDeadline, FieldErrors errors)
    {
        if (template is null)
        {
            errors.Required(path);
            return;
        }

        if (!LabelSelectors.IsConvertible(selector))
        {
            return;
        }

        if (!LabelSelectors.IsEmpty(selector) && !LabelSelectors.Matches(selector, template.Metadata?.Labels))
        {
            errors.Invalid(path + ".metadata.labels", GoValue.StringMap(template.Metadata?.Labels), SelectorMismatch);
        }

        PodSpecValidation.ValidateTemplate(template, path, errors);
        RestartAlways(template, path, kindForDeadline, errors);
    }

    /// <summary>Controllers that keep pods running accept only restartPolicy Always and no activeDeadlineSeconds.</summary>
    public static void RestartAlways(V1PodTemplateSpec template, string path, string kind, FieldErrors errors)
    {
        var rp = template.Spec?.RestartPolicy ?? "";
        if (rp != "Always")
        {
            errors.NotSupported(path + ".spec.restartPolicy", rp, ["Always"]);
        }

        if (template.Spec?.ActiveDeadlineSeconds is not null)
        {
            errors.Forbidden(path + ".spec.activeDeadlineSeconds", $"activeDeadlineSeconds in {kind} is not Supported");
        }
    }

    /// <summary>The status counters must not go negative, nor exceed status.replicas (ValidateDeploymentStatus and kin).</summary>
    public static void Counter(int? value, string path, FieldErrors errors) => FieldRules.NonNegative(value, path, errors);

    /// <summary>collisionCount may only grow (apivalidation.IsDecremented).</summary>
    public static void CollisionCount(int? value, int? old, string path, FieldErrors errors)
    {
        if (old is { } o && (value is null || value < o))
        {
            errors.Invalid(path, value ?? 0, "cannot be decremented");
        }
    }
}
