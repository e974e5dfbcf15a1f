using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.Endpoints;

/// <summary>
/// Endpoints, after pkg/registry/core/endpoint/strategy.go, SetDefaults_Endpoints and ValidateEndpoints:
/// every subset needs addresses, ports are named when there are several, addresses are usable IPs.
/// </summary>
internal sealed class EndpointsStrategy : ResourceStrategy<V1Endpoints>
{
    /// <summary>The warning v1.33 returns for the deprecated Endpoints API.</summary>
    public const string DeprecationWarning = "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice";

    public override TableConvertor<V1Endpoints> Table => EndpointsTable.Instance;

    public override void Default(V1Endpoints obj)
    {
        foreach (var subset in obj.Subsets ?? [])
        {
            foreach (var port in subset.Ports ?? [])
            {
                if (string.IsNullOrEmpty(port.Protocol))
                {
                    port.Protocol = "TCP";
                }
            }
        }
    }

    public override void Validate(V1Endpoints obj, FieldErrors errors)
    {
        for (var i = 0; i < (obj.Subsets?.Count ?? 0); i++)
        {
            var subset = obj.Subsets![i];
            var p = $"subsets[{i}]";
            if ((subset.Addresses?.Count ?? 0) == 0 && (subset.NotReadyAddresses?.Count ?? 0) == 0)
            {
                errors.Required(p, "must specify `addresses` or `notReadyAddresses`");
            }

            Addresses(subset.Addresses, $"{p}.addresses", errors);
            Addresses(subset.NotReadyAddresses, $"{p}.notReadyAddresses", errors);

            var ports = subset.Ports ?? [];
            var names = new HashSet<string>();
            for (var j = 0; j < ports.Count; j++)
            {
                var port = ports[j];
                var pp = $"{p}.ports[{j}]";
                if (ports.Count > 1 && string.IsNullOrEmpty(port.Name))
                {
                    errors.Required($"{pp}.name");
                }
                else if (!string.IsNullOrEmpty(port.Name))
                {
                    FieldRules.DnsLabel(port.Name, $"{pp}.name", errors);
                    if (!names.Add(port.Name))
                    {
                        errors.Duplicate($"{pp}.name", port.Name);
                    }
                }

                foreach (var msg in PortRules.IsValidPortNum(port.Port))
                {
                    errors.Invalid($"{pp}.port", port.Port, msg);
                }

                PodSpecValidation.Protocol(port.Protocol, $"{pp}.protocol", errors);
            }
        }
    }

    public override IEnumerable<string> Warnings(V1Endpoints obj) => [DeprecationWarning];

    private static void Addresses(IList<V1EndpointAddress>? addresses, string path, FieldErrors errors)
    {
        for (var i = 0; i < (addresses?.Count ?? 0); i++)
        {
            var a = addresses![i];
            var p = $"{path}[{i}]";
            var ipErrors = IpRules.IsValidIp(a.Ip ?? "");
            foreach (var msg in ipErrors)
            {
                errors.Invalid($"{p}.ip", a.Ip ?? "", msg);
            }

            if (ipErrors.Count == 0)
            {
                foreach (var msg in IpRules.NonSpecialIp(a.Ip!))
                {
                    errors.Invalid($"{p}.ip", a.Ip!, msg);
                }
            }

            if (!string.IsNullOrEmpty(a.Hostname))
            {
                FieldRules.DnsLabel(a.Hostname, $"{p}.hostname", errors);
            }

            if (!string.IsNullOrEmpty(a.NodeName))
            {
                FieldRules.DnsSubdomain(a.NodeName, $"{p}.nodeName", errors);
            }
        }
    }
}
