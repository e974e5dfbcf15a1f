using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.Namespaces;

/// <summary>
/// Namespaces, after pkg/registry/core/namespace/strategy.go: new namespaces are Active and carry the
/// "kubernetes" finalizer; finalizers change only through the finalize subresource and the phase only
/// through status; every namespace is labelled kubernetes.io/metadata.name=&lt;name&gt;.
/// </summary>
internal sealed class NamespaceStrategy : ResourceStrategy<V1Namespace>
{
    public const string NameLabel = "kubernetes.io/metadata.name";
    public const string KubernetesFinalizer = "kubernetes";

    private static readonly string[] StandardFinalizers = [KubernetesFinalizer, "orphan", "foregroundDeletion"];

    public override NameRule NameRule => NameRule.DnsLabel;

    public override TableConvertor<V1Namespace> Table => NamespaceTable.Instance;

    public override void Default(V1Namespace obj)
    {
        // The immutable name label lets label selectors pick namespaces by name (NamespaceDefaultLabelName).
        if (!string.IsNullOrEmpty(obj.Metadata.Name))
        {
            obj.Metadata.Labels ??= new Dictionary<string, string>();
            obj.Metadata.Labels[NameLabel] = obj.Metadata.Name;
        }

        if (obj.Status is not null && string.IsNullOrEmpty(obj.Status.Phase))
        {
            obj.Status.Phase = "Active";
        }
    }

    public override void PrepareForCreate(V1Namespace obj)
    {
        obj.Status = new V1NamespaceStatus { Phase = "Active" };
        obj.Spec ??= new V1NamespaceSpec();
        obj.Spec.Finalizers ??= [];
        if (!obj.Spec.Finalizers.Contains(KubernetesFinalizer))
        {
            obj.Spec.Finalizers.Add(KubernetesFinalizer);
        }
    }

    public override void Validate(V1Namespace obj, FieldErrors errors) => Finalizers(obj, errors);

    public override void PrepareForUpdate(V1Namespace obj, V1Namespace old)
    {
        obj.Spec ??= new V1NamespaceSpec();
        obj.Spec.Finalizers = old.Spec?.Finalizers;
        obj.Status = old.Status;
    }

    public override void ValidateUpdate(V1Namespace obj, V1Namespace old, FieldErrors errors) => Finalizers(obj, errors);

    public override void ValidateStatusUpdate(V1Namespace obj, V1Namespace old, FieldErrors errors)
    {
        var phase = obj.Status?.Phase ?? "";
        if (obj.Metadata.DeletionTimestamp is null)
        {
            if (phase != "Active")
            {
                errors.Invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty");
            }
        }
        else if (phase != "Terminating")
        {
            errors.Invalid("status.Phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty");
        }
    }

    /// <summary>A namespace stays, Terminating, until its spec.finalizers are cleared through namespaces/finalize.</summary>
    public override bool HasSpecFinalizers(V1Namespace obj) => obj.Spec?.Finalizers is { Count: > 0 };

    public override void PrepareForDelete(V1Namespace obj)
    {
        obj.Status ??= new V1NamespaceStatus();
        obj.Status.Phase = "Terminating";
    }

    public override IEnumerable<KeyValuePair<string, string>> SelectableFields(V1Namespace obj)
    {
        yield return new("status.phase", obj.Status?.Phase ?? "");
    }

    private static void Finalizers(V1Namespace obj, FieldErrors errors)
    {
        for (var i = 0; i < (obj.Spec?.Finalizers?.Count ?? 0); i++)
        {
            var f = obj.Spec!.Finalizers![i];
            var p = $"spec.finalizers[{i}]";
            var nameErrors = NameRules.QualifiedName(f);
            foreach (var msg in nameErrors)
            {
                errors.Invalid(p, f, msg);
            }

            if (nameErrors.Count == 0 && !f.Contains('/') && !StandardFinalizers.Contains(f))
            {
                errors.Invalid(p, f, "name is neither a standard finalizer name nor is it fully qualified");
            }
        }
    }
}
