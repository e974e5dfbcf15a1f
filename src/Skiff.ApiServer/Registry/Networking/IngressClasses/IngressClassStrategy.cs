using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Networking.IngressClasses;

/// <summary>
/// networking.k8s.io/v1 IngressClasses (pkg/registry/networking/ingressclass): a domain-prefixed controller name that
/// never changes, and optional parameters scoped to the cluster (the default) or a namespace.
/// </summary>
internal sealed class IngressClassStrategy : ResourceStrategy<V1IngressClass>
{
    public const int MaxControllerLength = 250;

    private static readonly string[] Scopes = ["Cluster", "Namespace"];

    public override TableConvertor<V1IngressClass> Table { get; } = new IngressClassTable();

    /// <summary>SetDefaults_IngressClass: parameters without a scope are cluster-scoped.</summary>
    public override void Default(V1IngressClass obj)
    {
        if (obj.Spec?.Parameters is { } parameters && string.IsNullOrEmpty(parameters.Scope))
        {
            parameters.Scope = "Cluster";
        }
    }

    public override void Validate(V1IngressClass obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1IngressClassSpec();
        if (string.IsNullOrEmpty(spec.Controller))
        {
            errors.Required("spec.controller");
        }
        else
        {
            if (spec.Controller.Length > MaxControllerLength)
            {
                errors.TooLong("spec.controller", MaxControllerLength);
            }

            var slash = spec.Controller.IndexOf('/');
            if (slash <= 0)
            {
                errors.Invalid("spec.controller", spec.Controller, "must be a domain-prefixed path (such as \"acme.io/foo\")");
            }
            else
            {
                foreach (var msg in NameRules.DnsSubdomain(spec.Controller[..slash]))
                {
                    errors.Invalid("spec.controller", spec.Controller[..slash], msg);
                }
            }
        }

        if (spec.Parameters is { } p)
        {
            if (string.IsNullOrEmpty(p.Kind))
            {
                errors.Required("spec.parameters.kind");
            }

            if (string.IsNullOrEmpty(p.Name))
            {
                errors.Required("spec.parameters.name");
            }

            switch (p.Scope)
            {
                case "Cluster":
                    if (p.NamespaceProperty is not null)
                    {
                        errors.Forbidden("spec.parameters.namespace", "`parameters.scope` is set to 'Cluster'");
                    }

                    break;
                case "Namespace":
                    if (string.IsNullOrEmpty(p.NamespaceProperty))
                    {
                        errors.Required("spec.parameters.namespace", "`parameters.scope` is set to 'Namespace'");
                    }

                    break;
                default:
                    errors.NotSupported("spec.parameters.scope", p.Scope ?? "", Scopes);
                    break;
            }
        }
    }

    public override void ValidateUpdate(V1IngressClass obj, V1IngressClass old, FieldErrors errors)
    {
        Validate(obj, errors);
        if (obj.Spec?.Controller != old.Spec?.Controller)
        {
            errors.Immutable("spec.controller", obj.Spec?.Controller ?? "");
        }
    }
}
