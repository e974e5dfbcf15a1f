using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.Services;

/// <summary>
/// Services, after pkg/registry/core/service/strategy.go, SetDefaults_Service and ValidateService /
/// ValidateServiceUpdate. Cluster IP and node port allocation needs I/O and is not done here; what the
/// service REST storage does without I/O is: the single-stack IPv4 family defaults and, on update,
/// keeping allocated values (clusterIP, nodePorts, healthCheckNodePort) that the request omits.
/// </summary>
internal sealed class ServiceStrategy : ResourceStrategy<V1Service>
{
    private static readonly string[] Types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    private static readonly string[] SessionAffinities = ["ClientIP", "None"];
    private static readonly string[] TrafficPolicies = ["Cluster", "Local"];
    private static readonly string[] IpFamilyPolicies = ["PreferDualStack", "RequireDualStack", "SingleStack"];
    private static readonly string[] IpFamilies = ["IPv4", "IPv6"];

    public override NameRule NameRule => NameRule.Dns1035Label;

    public override TableConvertor<V1Service> Table => ServiceTable.Instance;

    public override void Default(V1Service obj)
    {
        var spec = obj.Spec ??= new V1ServiceSpec();
        if (string.IsNullOrEmpty(spec.SessionAffinity))
        {
            spec.SessionAffinity = "None";
        }

        if (spec.SessionAffinity == "ClientIP" && spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds is null)
        {
            spec.SessionAffinityConfig ??= new V1SessionAffinityConfig();
            spec.SessionAffinityConfig.ClientIP ??= new V1ClientIPConfig();
            spec.SessionAffinityConfig.ClientIP.TimeoutSeconds = 10800;
        }

        if (string.IsNullOrEmpty(spec.Type))
        {
            spec.Type = "ClusterIP";
        }

        foreach (var port in spec.Ports ?? [])
        {
            if (string.IsNullOrEmpty(port.Protocol))
            {
                port.Protocol = "TCP";
            }

            if (port.TargetPort?.Value is null or "" or "0")
            {
                port.TargetPort = port.Port;
            }
        }

        if (spec.Type is "NodePort" or "LoadBalancer" && string.IsNullOrEmpty(spec.ExternalTrafficPolicy))
        {
            spec.ExternalTrafficPolicy = "Cluster";
        }

        if (spec.Type != "ExternalName" && string.IsNullOrEmpty(spec.InternalTrafficPolicy))
        {
            spec.InternalTrafficPolicy = "Cluster";
        }

        if (spec.Type == "LoadBalancer")
        {
            spec.AllocateLoadBalancerNodePorts ??= true;
        }

        // IP families, as the service REST storage defaults them on a single-stack IPv4 cluster;
        // headless services without a selector may take every family the cluster has.
        if (spec.Type != "ExternalName")
        {
            var headless = spec.ClusterIP == "None";
            if (string.IsNullOrEmpty(spec.IpFamilyPolicy))
            {
                spec.IpFamilyPolicy = headless && (spec.Selector is null || spec.Selector.Count == 0) ? "RequireDualStack" : "SingleStack";
            }

            if (spec.IpFamilies is null || spec.IpFamilies.Count == 0)
            {
                spec.IpFamilies = spec.ClusterIPs is { Count: > 0 } ips && ips[0] != "None" && IpRules.IsIPv6(ips[0]) ? ["IPv6"] : ["IPv4"];
            }
        }

        if (!string.IsNullOrEmpty(spec.ClusterIP) && (spec.ClusterIPs is null || spec.ClusterIPs.Count == 0))
        {
            spec.ClusterIPs = [spec.ClusterIP];
        }
        else if (string.IsNullOrEmpty(spec.ClusterIP) && spec.ClusterIPs is { Count: > 0 } clusterIps)
        {
            spec.ClusterIP = clusterIps[0];
        }
    }

    public override void PrepareForCreate(V1Service obj) =>
        obj.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus() };

    public override void PrepareForUpdate(V1Service obj, V1Service old)
    {
        base.PrepareForUpdate(obj, old);
        KeepAllocatedValues(obj.Spec, old.Spec);
        DropTypeDependentFields(obj.Spec, old.Spec);
    }

    public override void Validate(V1Service obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1ServiceSpec();
        var ports = spec.Ports ?? [];
        var headless = spec.ClusterIP == "None";

        if (!Types.Contains(spec.Type))
        {
            errors.NotSupported("spec.type", spec.Type ?? "", Types);
        }

        if (ports.Count == 0 && !headless && spec.Type != "ExternalName")
        {
            errors.Required("spec.ports");
        }

        if (spec.Type == "ExternalName")
        {
            if (spec.ClusterIPs is { Count: > 0 } || !string.IsNullOrEmpty(spec.ClusterIP))
            {
                errors.Forbidden("spec.clusterIPs", "may not be set for ExternalName services");
            }

            if (string.IsNullOrEmpty(spec.ExternalName))
            {
                errors.Required("spec.externalName");
            }
            else
            {
                FieldRules.DnsSubdomain(spec.ExternalName.TrimEnd('.'), "spec.externalName", errors);
            }
        }

        for (var i = 0; i < (spec.ClusterIPs?.Count ?? 0); i++)
        {
            var ip = spec.ClusterIPs![i];
            if (ip == "None" && i == 0)
            {
                continue;
            }

            if (ip == "None")
            {
                errors.Invalid($"spec.clusterIPs[{i}]", ip, "must be empty when the first element is 'None'");
            }
            else if (!IpRules.IsIp(ip))
            {
                errors.Invalid($"spec.clusterIPs[{i}]", ip, IpRules.InvalidIpMessage);
            }
        }

        var portNames = new HashSet<string>();
        var portKeys = new HashSet<string>();
        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i];
            var p = $"spec.ports[{i}]";
            if (ports.Count > 1 && string.IsNullOrEmpty(port.Name))
            {
                errors.Required($"{p}.name");
            }
            else if (!string.IsNullOrEmpty(port.Name))
            {
                FieldRules.DnsLabel(port.Name, $"{p}.name", errors);
                if (!portNames.Add(port.Name))
                {
                    errors.Duplicate($"{p}.name", port.Name);
                }
            }

            foreach (var msg in PortRules.IsValidPortNum(port.Port))
            {
                errors.Invalid($"{p}.port", port.Port, msg);
            }

            PodSpecValidation.Protocol(port.Protocol, $"{p}.protocol", errors);
            PodSpecValidation.PortNumOrName(port.TargetPort, $"{p}.targetPort", errors);

            if (port.NodePort is { } nodePort and not 0)
            {
                if (spec.Type == "ClusterIP")
                {
                    errors.Forbidden($"{p}.nodePort", "may not be used when `type` is 'ClusterIP'");
                }
                else
                {
                    foreach (var msg in PortRules.IsValidPortNum(nodePort))
                    {
                        errors.Invalid($"{p}.nodePort", nodePort, msg);
                    }
                }
            }

            if (!portKeys.Add($"{port.Port}/{port.Protocol}"))
            {
                errors.Duplicate(p, new GoValue(
                    $"core.ServicePort{{Name:\"\", Protocol:{GoValue.Quote(port.Protocol ?? "")}, AppProtocol:(*string)(nil), Port:{port.Port}, TargetPort:intstr.IntOrString{{Type:0, IntVal:0, StrVal:\"\"}}, NodePort:0}}"));
            }
        }

        if (!SessionAffinities.Contains(spec.SessionAffinity))
        {
            errors.NotSupported("spec.sessionAffinity", spec.SessionAffinity ?? "", SessionAffinities);
        }
        else if (spec.SessionAffinity == "ClientIP" && spec.SessionAffinityConfig?.ClientIP?.TimeoutSeconds is { } timeout && (timeout <= 0 || timeout > 86400))
        {
            errors.Invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout, "must be greater than 0 and less than 86400");
        }

        if (!string.IsNullOrEmpty(spec.ExternalTrafficPolicy))
        {
            if (spec.Type is "ClusterIP" or "ExternalName")
            {
                errors.Invalid("spec.externalTrafficPolicy", spec.ExternalTrafficPolicy, $"may only be set for externally-accessible services");
            }
            else if (!TrafficPolicies.Contains(spec.ExternalTrafficPolicy))
            {
                errors.NotSupported("spec.externalTrafficPolicy", spec.ExternalTrafficPolicy, TrafficPolicies);
            }
        }

        if (!string.IsNullOrEmpty(spec.InternalTrafficPolicy) && !TrafficPolicies.Contains(spec.InternalTrafficPolicy))
        {
            errors.NotSupported("spec.internalTrafficPolicy", spec.InternalTrafficPolicy, TrafficPolicies);
        }

        if (!string.IsNullOrEmpty(spec.IpFamilyPolicy) && !IpFamilyPolicies.Contains(spec.IpFamilyPolicy))
        {
            errors.NotSupported("spec.ipFamilyPolicy", spec.IpFamilyPolicy, IpFamilyPolicies);
        }

        for (var i = 0; i < (spec.IpFamilies?.Count ?? 0); i++)
        {
            if (!IpFamilies.Contains(spec.IpFamilies![i]))
            {
                errors.NotSupported($"spec.ipFamilies[{i}]", spec.IpFamilies[i], IpFamilies);
            }
        }

        for (var i = 0; i < (spec.ExternalIPs?.Count ?? 0); i++)
        {
            foreach (var msg in IpRules.IsValidIp(spec.ExternalIPs![i]))
            {
                errors.Invalid($"spec.externalIPs[{i}]", spec.ExternalIPs[i], msg);
            }
        }

        if (spec.Type != "ExternalName")
        {
            // Selectors are label maps; ExternalName services ignore theirs.
            FieldRules.Labels(spec.Selector, "spec.selector", errors);
        }

        if (spec.Type != "LoadBalancer" && spec.LoadBalancerSourceRanges is { Count: > 0 })
        {
            errors.Forbidden("spec.loadBalancerSourceRanges", "may only be used when `type` is 'LoadBalancer'");
        }
    }

    public override void ValidateUpdate(V1Service obj, V1Service old, FieldErrors errors)
    {
        Validate(obj, errors);
        var spec = obj.Spec;
        var oldSpec = old.Spec;
        if (spec.Type == "ExternalName" || oldSpec.Type == "ExternalName")
        {
            return;
        }

        if (oldSpec.ClusterIP == "None" && spec.ClusterIP == "None")
        {
            return;
        }

        // Cluster IPs may be added or released (dual-stack up/downgrades) but never changed.
        var newIps = spec.ClusterIPs ?? [];
        var oldIps = oldSpec.ClusterIPs ?? [];
        var value = GoValue.StringSlice(newIps);
        if (newIps.Count == oldIps.Count)
        {
            for (var i = 0; i < oldIps.Count; i++)
            {
                if (oldIps[i] != newIps[i])
                {
                    errors.Invalid($"spec.clusterIPs[{i}]", value, "may not change once set");
                }
            }
        }
        else if (oldIps.Count > newIps.Count)
        {
            if (newIps.Count == 0)
            {
                errors.Invalid("spec.clusterIPs[0]", value, "primary clusterIP can not be unset");
            }
            else if (newIps[0] != oldIps[0])
            {
                errors.Invalid("spec.clusterIPs[0]", value, "may not change once set");
            }

            if (newIps.Count == 1 && spec.IpFamilyPolicy != "SingleStack")
            {
                errors.Invalid("spec.clusterIPs[0]", value, "`ipFamilyPolicy` must be set to 'SingleStack' when releasing the secondary clusterIP");
            }
        }
        else if (oldIps.Count > 0 && newIps[0] != oldIps[0])
        {
            errors.Invalid("spec.clusterIPs[0]", value, "may not change once set");
        }
    }

    public override void ValidateStatusUpdate(V1Service obj, V1Service old, FieldErrors errors)
    {
        var ingress = obj.Status?.LoadBalancer?.Ingress ?? [];
        for (var i = 0; i < ingress.Count; i++)
        {
            var p = $"status.loadBalancer.ingress[{i}]";
            if (!string.IsNullOrEmpty(ingress[i].Ip))
            {
                foreach (var msg in IpRules.IsValidIp(ingress[i].Ip))
                {
                    errors.Invalid($"{p}.ip", ingress[i].Ip, msg);
                }
            }

            if (!string.IsNullOrEmpty(ingress[i].Hostname))
            {
                FieldRules.DnsSubdomain(ingress[i].Hostname, $"{p}.hostname", errors);
                if (IpRules.IsIp(ingress[i].Hostname))
                {
                    errors.Invalid($"{p}.hostname", ingress[i].Hostname, "must be a DNS name, not an IP address");
                }
            }
        }
    }

    public override IEnumerable<KeyValuePair<string, string>> SelectableFields(V1Service obj)
    {
        yield return new("spec.clusterIP", obj.Spec?.ClusterIP ?? "");
        yield return new("spec.type", obj.Spec?.Type ?? "");
    }

    // Like the service strategy's dropTypeDependentFields: a type change that makes allocated values meaningless
    // (NodePort → ClusterIP, anything → ExternalName) clears them when the request left them as they were, so
    // `kubectl edit`/`apply` of just the type works instead of failing validation.
    private static void DropTypeDependentFields(V1ServiceSpec spec, V1ServiceSpec old)
    {
        if (spec.Type == old.Type)
        {
            return;
        }

        if (spec.Type == "ExternalName" && old.Type != "ExternalName" && SameIps(spec, old))
        {
            spec.ClusterIP = null;
            spec.ClusterIPs = null;
            spec.IpFamilies = null;
            spec.IpFamilyPolicy = null;
            spec.InternalTrafficPolicy = null;
        }

        if (spec.Type is not ("NodePort" or "LoadBalancer") && old.Type is "NodePort" or "LoadBalancer")
        {
            var oldPorts = (old.Ports ?? []).Select(p => p.NodePort ?? 0).ToList();
            var newPorts = (spec.Ports ?? []).Select(p => p.NodePort ?? 0).ToList();
            if (newPorts.All(p => p == 0 || oldPorts.Contains(p)))
            {
                foreach (var p in spec.Ports ?? [])
                {
                    p.NodePort = null;
                }
            }

            if (spec.ExternalTrafficPolicy == old.ExternalTrafficPolicy)
            {
                spec.ExternalTrafficPolicy = null;
            }
        }

        if (spec.Type != "LoadBalancer" && old.Type == "LoadBalancer")
        {
            if (spec.HealthCheckNodePort == old.HealthCheckNodePort)
            {
                spec.HealthCheckNodePort = null;
            }

            if (spec.AllocateLoadBalancerNodePorts == old.AllocateLoadBalancerNodePorts)
            {
                spec.AllocateLoadBalancerNodePorts = null;
            }

            if (spec.LoadBalancerClass == old.LoadBalancerClass)
            {
                spec.LoadBalancerClass = null;
            }
        }

        static bool SameIps(V1ServiceSpec a, V1ServiceSpec b) =>
            a.ClusterIP == b.ClusterIP && (a.ClusterIPs ?? []).SequenceEqual(b.ClusterIPs ?? []);
    }

    // Like the service REST storage's patchAllocatedValues: a replace that omits allocated values
    // (as `kubectl replace` of a hand-written manifest does) keeps them instead of reallocating.
    private static void KeepAllocatedValues(V1ServiceSpec spec, V1ServiceSpec old)
    {
        static bool NeedsClusterIp(V1ServiceSpec s) => s.Type != "ExternalName";
        static bool NeedsNodePort(V1ServiceSpec s) => s.Type is "NodePort" or "LoadBalancer";

        if (NeedsClusterIp(old) && NeedsClusterIp(spec))
        {
            if (string.IsNullOrEmpty(spec.ClusterIP))
            {
                spec.ClusterIP = old.ClusterIP;
            }

            if ((spec.ClusterIPs is null || spec.ClusterIPs.Count == 0) && old.ClusterIPs is { Count: > 0 })
            {
                spec.ClusterIPs = [.. old.ClusterIPs];
            }
        }

        if (NeedsNodePort(old) && NeedsNodePort(spec))
        {
            var used = (spec.Ports ?? []).Where(p => p.NodePort is > 0).Select(p => p.NodePort!.Value).ToHashSet();
            var byName = new Dictionary<string, int>();
            foreach (var p in old.Ports ?? [])
            {
                byName[p.Name ?? ""] = p.NodePort ?? 0;
            }

            foreach (var p in spec.Ports ?? [])
            {
                if (p.NodePort is null or 0 && byName.TryGetValue(p.Name ?? "", out var oldPort) && oldPort != 0 && !used.Contains(oldPort))
                {
                    p.NodePort = oldPort;
                    used.Add(oldPort);
                }
            }
        }

        if (spec.Type == "LoadBalancer" && old.Type == "LoadBalancer" && spec.ExternalTrafficPolicy == "Local"
            && old.ExternalTrafficPolicy == "Local" && spec.HealthCheckNodePort is null or 0)
        {
            spec.HealthCheckNodePort = old.HealthCheckNodePort;
        }
    }
}
