using k8s.Models;

namespace Skiff.ApiServer.Registry.Core.Pods;

/// <summary>
/// A pod's quality-of-service class, computed the way kube-apiserver stores it in status.qosClass at
/// creation (pkg/apis/core/helper/qos ComputePodQOS): only cpu and memory count.
/// </summary>
internal static class PodQos
{
    private static readonly string[] Supported = ["cpu", "memory"];

    public static string Compute(V1PodSpec spec)
    {
        var requests = new Dictionary<string, decimal>();
        var limits = new Dictionary<string, decimal>();
        var guaranteed = true;
        foreach (var c in (spec.Containers ?? []).Concat(spec.InitContainers ?? []))
        {
            foreach (var (name, q) in c.Resources?.Requests ?? new Dictionary<string, ResourceQuantity>())
            {
                if (Supported.Contains(name) && q is not null && q.ToDecimal() > 0)
                {
                    requests[name] = requests.GetValueOrDefault(name) + q.ToDecimal();
                }
            }

            var limitsFound = new HashSet<string>();
            foreach (var (name, q) in c.Resources?.Limits ?? new Dictionary<string, ResourceQuantity>())
            {
                if (Supported.Contains(name) && q is not null && q.ToDecimal() > 0)
                {
                    limitsFound.Add(name);
                    limits[name] = limits.GetValueOrDefault(name) + q.ToDecimal();
                }
            }

            if (!Supported.All(limitsFound.Contains))
            {
                guaranteed = false;
            }
        }

        if (requests.Count == 0 && limits.Count == 0)
        {
            return "BestEffort";
        }

        if (guaranteed && requests.Any(kv => !limits.TryGetValue(kv.Key, out var l) || l != kv.Value))
        {
            guaranteed = false;
        }

        return guaranteed && requests.Count == limits.Count ? "Guaranteed" : "Burstable";
    }
}
