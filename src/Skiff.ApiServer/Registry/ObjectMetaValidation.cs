using k8s.Models;
using Skiff.Api.Resources;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry;

/// <summary>The object-metadata rules every resource shares (apimachinery's ValidateObjectMeta and ValidateObjectMetaUpdate).</summary>
internal static class ObjectMetaValidation
{
    public static void ValidateCreate(V1ObjectMeta meta, ResourceInfo info, NameRule rule, FieldErrors errors)
    {
        if (string.IsNullOrEmpty(meta.Name))
        {
            errors.Required("metadata.name", "name or generateName is required");
        }
        else
        {
            foreach (var msg in NameErrors(meta.Name, rule))
            {
                errors.Invalid("metadata.name", meta.Name, msg);
            }
        }

        ValidateCommon(meta, info, errors);
    }

    public static void ValidateUpdate(V1ObjectMeta meta, ResourceInfo info, FieldErrors errors)
    {
        ValidateCommon(meta, info, errors);
    }

    private static IReadOnlyList<string> NameErrors(string name, NameRule rule) => rule switch
    {
        NameRule.DnsLabel => NameRules.DnsLabel(name),
        NameRule.Dns1035Label => NameRules.Dns1035Label(name),
        NameRule.PathSegment => NameRules.PathSegmentName(name),
        _ => NameRules.DnsSubdomain(name),
    };

    private static void ValidateCommon(V1ObjectMeta meta, ResourceInfo info, FieldErrors errors)
    {
        if (info.Namespaced)
        {
            if (string.IsNullOrEmpty(meta.NamespaceProperty))
            {
                errors.Required("metadata.namespace");
            }
            else
            {
                foreach (var msg in NameRules.DnsLabel(meta.NamespaceProperty))
                {
                    errors.Invalid("metadata.namespace", meta.NamespaceProperty, msg);
                }
            }
        }

        Shared.FieldRules.Labels(meta.Labels, "metadata.labels", errors);
        Shared.FieldRules.Annotations(meta.Annotations, "metadata.annotations", errors);

        if (meta.Finalizers is not null)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < meta.Finalizers.Count; i++)
            {
                var f = meta.Finalizers[i];
                foreach (var msg in NameRules.QualifiedName(f))
                {
                    errors.Invalid($"metadata.finalizers[{i}]", f, msg);
                }

                if (!seen.Add(f))
                {
                    errors.Duplicate($"metadata.finalizers[{i}]", f);
                }
            }
        }

        if (meta.OwnerReferences is not null)
        {
            for (var i = 0; i < meta.OwnerReferences.Count; i++)
            {
                var o = meta.OwnerReferences[i];
                var path = $"metadata.ownerReferences[{i}]";
                if (string.IsNullOrEmpty(o.ApiVersion))
                {
                    errors.Invalid(path + ".apiVersion", o.ApiVersion ?? string.Empty, "version must not be empty");
                }

                if (string.IsNullOrEmpty(o.Kind))
                {
                    errors.Invalid(path + ".kind", o.Kind ?? string.Empty, "kind must not be empty");
                }

                if (string.IsNullOrEmpty(o.Name))
                {
                    errors.Invalid(path + ".name", o.Name ?? string.Empty, "name must not be empty");
                }

                if (string.IsNullOrEmpty(o.Uid))
                {
                    errors.Invalid(path + ".uid", o.Uid ?? string.Empty, "uid must not be empty");
                }
            }

            if (meta.OwnerReferences.Count(o => o.Controller == true) > 1)
            {
                errors.Invalid("metadata.ownerReferences", "", "Only one reference can have Controller set to true");
            }
        }
    }
}
