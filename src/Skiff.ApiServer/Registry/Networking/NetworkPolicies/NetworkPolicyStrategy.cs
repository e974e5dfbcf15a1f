using System.Net;
using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Networking.NetworkPolicies;

/// <summary>
/// networking.k8s.io/v1 NetworkPolicies, following pkg/registry/networking/networkpolicy/strategy.go,
/// SetDefaults_NetworkPolicy (policy types from the rules present, ports TCP) and ValidateNetworkPolicySpec.
/// </summary>
internal sealed class NetworkPolicyStrategy : ResourceStrategy<V1NetworkPolicy>
{
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];
    private static readonly string[] PolicyTypes = ["Ingress", "Egress"];

    public override bool TracksGeneration => true;

    public override TableConvertor<V1NetworkPolicy> Table { get; } = new NetworkPolicyTable();

    public override void Default(V1NetworkPolicy obj)
    {
        var spec = obj.Spec ??= new V1NetworkPolicySpec();
        spec.PodSelector ??= new V1LabelSelector();
        foreach (var port in (spec.Ingress ?? []).SelectMany(r => r.Ports ?? []).Concat((spec.Egress ?? []).SelectMany(r => r.Ports ?? [])))
        {
            if (string.IsNullOrEmpty(port.Protocol))
            {
                port.Protocol = "TCP";
            }
        }

        if ((spec.PolicyTypes?.Count ?? 0) == 0)
        {
            spec.PolicyTypes = (spec.Egress?.Count ?? 0) != 0 ? ["Ingress", "Egress"] : ["Ingress"];
        }
    }

    public override void Validate(V1NetworkPolicy obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1NetworkPolicySpec();
        LabelSelectors.Validate(spec.PodSelector, "spec.podSelector", errors);
        for (var i = 0; i < (spec.Ingress?.Count ?? 0); i++)
        {
            Ports(spec.Ingress![i].Ports, $"spec.ingress[{i}].ports", errors);
            Peers(spec.Ingress[i].FromProperty, $"spec.ingress[{i}].from", errors);
        }

        for (var i = 0; i < (spec.Egress?.Count ?? 0); i++)
        {
            Ports(spec.Egress![i].Ports, $"spec.egress[{i}].ports", errors);
            Peers(spec.Egress[i].To, $"spec.egress[{i}].to", errors);
        }

        for (var i = 0; i < (spec.PolicyTypes?.Count ?? 0); i++)
        {
            if (!PolicyTypes.Contains(spec.PolicyTypes![i]))
            {
                errors.NotSupported($"spec.policyTypes[{i}]", spec.PolicyTypes[i], PolicyTypes);
            }
        }

        if ((spec.PolicyTypes?.Count ?? 0) > 2)
        {
            errors.Invalid("spec.policyTypes", GoValue.StringSlice(spec.PolicyTypes), "may not specify more than two policyTypes");
        }
    }

    private static void Ports(IList<V1NetworkPolicyPort>? ports, string path, FieldErrors errors)
    {
        for (var i = 0; i < (ports?.Count ?? 0); i++)
        {
            var port = ports![i];
            var p = $"{path}[{i}]";
            if (!string.IsNullOrEmpty(port.Protocol) && !Protocols.Contains(port.Protocol))
            {
                errors.NotSupported(p + ".protocol", port.Protocol, Protocols);
            }

            if (port.Port is not null)
            {
                PodSpecValidation.PortNumOrName(port.Port, p + ".port", errors);
            }

            if (port.EndPort is { } end)
            {
                if (!IntOrPercent.IsInt(port.Port, out var start))
                {
                    errors.Required(p + ".port", "must be specified when endPort is specified");
                }
                else if (end < start)
                {
                    errors.Invalid(p + ".endPort", end, "must be greater than or equal to `port`");
                }
            }
        }
    }

    private static void Peers(IList<V1NetworkPolicyPeer>? peers, string path, FieldErrors errors)
    {
        for (var i = 0; i < (peers?.Count ?? 0); i++)
        {
            var peer = peers![i];
            var p = $"{path}[{i}]";
            var count = (peer.PodSelector is null ? 0 : 1) + (peer.NamespaceSelector is null ? 0 : 1) + (peer.IpBlock is null ? 0 : 1);
            if (count == 0)
            {
                errors.Required(p, "must specify a peer");
            }
            else if (peer.IpBlock is not null && count > 1)
            {
                errors.Forbidden(p, "may not specify both ipBlock and another peer");
            }

            LabelSelectors.Validate(peer.PodSelector, p + ".podSelector", errors);
            LabelSelectors.Validate(peer.NamespaceSelector, p + ".namespaceSelector", errors);
            if (peer.IpBlock is { } block)
            {
                if (string.IsNullOrEmpty(block.Cidr))
                {
                    errors.Required(p + ".ipBlock.cidr");
                }
                else if (!IPNetwork.TryParse(block.Cidr, out _))
                {
                    errors.Invalid(p + ".ipBlock.cidr", block.Cidr, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)");
                }
            }
        }
    }
}
