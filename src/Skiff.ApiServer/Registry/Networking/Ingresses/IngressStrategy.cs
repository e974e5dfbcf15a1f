using System.Net;
using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Networking.Ingresses;

/// <summary>
/// networking.k8s.io/v1 Ingresses, following pkg/registry/networking/ingress/strategy.go and ValidateIngressSpec:
/// a default backend or rules, DNS hosts, typed paths, and backends naming a service port or a resource.
/// </summary>
internal sealed class IngressStrategy : ResourceStrategy<V1Ingress>
{
    /// <summary>The legacy class annotation, which may not be combined with spec.ingressClassName on create.</summary>
    public const string ClassAnnotation = "kubernetes.io/ingress.class";

    private static readonly string[] PathTypes = ["Exact", "ImplementationSpecific", "Prefix"];

    public override bool TracksGeneration => true;

    public override TableConvertor<V1Ingress> Table { get; } = new IngressTable();

    public override void Validate(V1Ingress obj, FieldErrors errors)
    {
        ValidateSpec(obj.Spec ?? new V1IngressSpec(), errors);
        if (obj.Spec?.IngressClassName is not null && obj.Metadata?.Annotations?.TryGetValue(ClassAnnotation, out var legacy) == true)
        {
            errors.Invalid($"annotations.{ClassAnnotation}", legacy, "can not be set when the class field is also set");
        }
    }

    public override void ValidateUpdate(V1Ingress obj, V1Ingress old, FieldErrors errors) => ValidateSpec(obj.Spec ?? new V1IngressSpec(), errors);

    private static void ValidateSpec(V1IngressSpec spec, FieldErrors errors)
    {
        if ((spec.Rules?.Count ?? 0) == 0 && spec.DefaultBackend is null)
        {
            errors.Invalid("spec", GoValue.Raw("[]networking.IngressRule(nil)"), "either `defaultBackend` or `rules` must be specified");
        }

        if (spec.DefaultBackend is not null)
        {
            Backend(spec.DefaultBackend, "spec.defaultBackend", errors);
        }

        for (var i = 0; i < (spec.Rules?.Count ?? 0); i++)
        {
            var rule = spec.Rules![i];
            var p = $"spec.rules[{i}]";
            if (!string.IsNullOrEmpty(rule.Host))
            {
                Host(rule.Host, p + ".host", errors);
            }

            if (rule.Http is { } http)
            {
                if ((http.Paths?.Count ?? 0) == 0)
                {
                    errors.Required(p + ".http.paths");
                }

                for (var j = 0; j < (http.Paths?.Count ?? 0); j++)
                {
                    HttpPath(http.Paths![j], $"{p}.http.paths[{j}]", errors);
                }
            }
        }

        for (var i = 0; i < (spec.Tls?.Count ?? 0); i++)
        {
            for (var j = 0; j < (spec.Tls![i].Hosts?.Count ?? 0); j++)
            {
                Host(spec.Tls[i].Hosts[j], $"spec.tls[{i}].hosts[{j}]", errors);
            }
        }

        if (spec.IngressClassName is { } className)
        {
            FieldRules.DnsSubdomain(className, "spec.ingressClassName", errors);
        }
    }

    private static void Host(string host, string path, FieldErrors errors)
    {
        if (IPAddress.TryParse(host, out _))
        {
            errors.Invalid(path, host, "must be a DNS name, not an IP address");
            return;
        }

        if (host.StartsWith("*.", StringComparison.Ordinal))
        {
            if (NameRules.DnsSubdomain(host[2..]).Count > 0)
            {
                errors.Invalid(path, host, "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
            }
        }
        else
        {
            FieldRules.DnsSubdomain(host, path, errors);
        }
    }

    private static void HttpPath(V1HTTPIngressPath path, string p, FieldErrors errors)
    {
        switch (path.PathType)
        {
            case null or "":
                errors.Required(p + ".pathType", "pathType must be specified");
                break;
            case "Exact" or "Prefix":
                if (!(path.Path ?? "").StartsWith('/'))
                {
                    errors.Invalid(p + ".path", path.Path ?? "", "must be an absolute path");
                }

                foreach (var bad in new[] { "//", "/./", "/../", "%2f", "%2F" })
                {
                    if ((path.Path ?? "").Contains(bad, StringComparison.Ordinal))
                    {
                        errors.Invalid(p + ".path", path.Path, $"must not contain '{bad}'");
                    }
                }

                foreach (var suffix in new[] { "/..", "/." })
                {
                    if ((path.Path ?? "").EndsWith(suffix, StringComparison.Ordinal))
                    {
                        errors.Invalid(p + ".path", path.Path, $"cannot end with '{suffix}'");
                    }
                }

                break;
            case "ImplementationSpecific":
                if (!string.IsNullOrEmpty(path.Path) && !path.Path.StartsWith('/'))
                {
                    errors.Invalid(p + ".path", path.Path, "must be an absolute path");
                }

                break;
            default:
                errors.NotSupported(p + ".pathType", path.PathType, PathTypes);
                break;
        }

        if (path.Backend is null)
        {
            errors.Invalid(p + ".backend", "", "resource or service backend is required");
        }
        else
        {
            Backend(path.Backend, p + ".backend", errors);
        }
    }

    /// <summary>validateIngressBackend.</summary>
    private static void Backend(V1IngressBackend backend, string path, FieldErrors errors)
    {
        if (backend.Resource is not null && backend.Service is not null)
        {
            errors.Invalid(path, "", "cannot set both resource and service backends");
            return;
        }

        if (backend.Resource is { } resource)
        {
            if (string.IsNullOrEmpty(resource.Kind))
            {
                errors.Required(path + ".resource.kind");
            }

            if (string.IsNullOrEmpty(resource.Name))
            {
                errors.Required(path + ".resource.name");
            }

            if (string.IsNullOrEmpty(resource.ApiGroup))
            {
                errors.Required(path + ".resource.apiGroup");
            }

            return;
        }

        if (backend.Service is not { } service)
        {
            errors.Invalid(path, "", "resource or service backend is required");
            return;
        }

        if (string.IsNullOrEmpty(service.Name))
        {
            errors.Required(path + ".service.name");
        }
        else
        {
            foreach (var msg in NameRules.Dns1035Label(service.Name))
            {
                errors.Invalid(path + ".service.name", service.Name, msg);
            }
        }

        var hasName = !string.IsNullOrEmpty(service.Port?.Name);
        var hasNumber = service.Port?.Number is { } n && n != 0;
        if (hasName && hasNumber)
        {
            errors.Invalid(path, "", "cannot set both port name & port number");
        }
        else if (hasName)
        {
            foreach (var msg in PortRules.IsValidPortName(service.Port!.Name))
            {
                errors.Invalid(path + ".service.port.name", service.Port.Name, msg);
            }
        }
        else if (hasNumber)
        {
            if (service.Port!.Number is < 1 or > 65535)
            {
                errors.Invalid(path + ".service.port.number", service.Port.Number!.Value, "must be between 1 and 65535, inclusive");
            }
        }
        else
        {
            errors.Required(path, "port name or number is required");
        }
    }

    /// <summary>Status addresses must be IPs or DNS names (ValidateIngressLoadBalancerStatus).</summary>
    public override void ValidateStatusUpdate(V1Ingress obj, V1Ingress old, FieldErrors errors)
    {
        for (var i = 0; i < (obj.Status?.LoadBalancer?.Ingress?.Count ?? 0); i++)
        {
            var ingress = obj.Status!.LoadBalancer.Ingress[i];
            var p = $"status.loadBalancer.ingress[{i}]";
            if (!string.IsNullOrEmpty(ingress.Ip) && !IPAddress.TryParse(ingress.Ip, out _))
            {
                errors.Invalid(p + ".ip", ingress.Ip, "must be a valid IP address");
            }

            if (!string.IsNullOrEmpty(ingress.Hostname))
            {
                FieldRules.DnsSubdomain(ingress.Hostname, p + ".hostname", errors);
                if (IPAddress.TryParse(ingress.Hostname, out _))
                {
                    errors.Invalid(p + ".hostname", ingress.Hostname, "must be a DNS name, not an IP address");
                }
            }
        }
    }
}
