using k8s.Models;

namespace Skiff.Scheduler.Framework;

/// <summary>
/// A pod with what every cycle needs precomputed once (kube-scheduler's framework.PodInfo): effective
/// requests, the non-zero requests scoring uses, host ports and (anti-)affinity terms.
/// </summary>
internal sealed class PodInfo
{
    /// <summary>What scoring assumes for a container without a cpu request (kube-scheduler's DefaultMilliCPURequest).</summary>
    public const long DefaultMilliCpuRequest = 100;

    /// <summary>What scoring assumes for a container without a memory request (DefaultMemoryRequest, 200 MiB).</summary>
    public const long DefaultMemoryRequest = 200L * 1024 * 1024;

    public PodInfo(V1Pod pod)
    {
        Pod = pod;
        Key = $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";
        var spec = pod.Spec ?? new V1PodSpec();
        Requests = new Resource();
        NonZeroRequests = new Resource();
        foreach (var c in spec.Containers ?? [])
        {
            var r = Resource.From(c.Resources?.Requests);
            Requests.Add(r);
            NonZeroRequests.MilliCpu += c.Resources?.Requests?.ContainsKey(Resource.Cpu) == true ? r.MilliCpu : DefaultMilliCpuRequest;
            NonZeroRequests.MemoryBytes += c.Resources?.Requests?.ContainsKey(Resource.Memory) == true ? r.MemoryBytes : DefaultMemoryRequest;
            foreach (var p in c.Ports ?? [])
            {
                if (p.HostPort is > 0)
                {
                    HostPorts.Add(new HostPort(string.IsNullOrEmpty(p.HostIP) ? "0.0.0.0" : p.HostIP, p.Protocol ?? "TCP", p.HostPort.Value));
                }
            }
        }

        // Init containers run one at a time before the app containers: the pod needs the larger of the two.
        foreach (var c in spec.InitContainers ?? [])
        {
            Requests.SetMax(Resource.From(c.Resources?.Requests));
        }

        if (spec.Overhead is { } overhead)
        {
            Requests.Add(Resource.From(overhead));
        }

        Priority = spec.Priority ?? 0;
        var affinity = spec.Affinity;
        var ns = pod.Metadata.NamespaceProperty ?? "";
        RequiredAffinity = affinity?.PodAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.Select(t => new AffinityTerm(t, ns)).ToArray() ?? [];
        RequiredAntiAffinity = affinity?.PodAntiAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.Select(t => new AffinityTerm(t, ns)).ToArray() ?? [];
        PreferredAffinity = affinity?.PodAffinity?.PreferredDuringSchedulingIgnoredDuringExecution?.Select(t => new AffinityTerm(t.PodAffinityTerm, ns, t.Weight)).ToArray() ?? [];
        PreferredAntiAffinity = affinity?.PodAntiAffinity?.PreferredDuringSchedulingIgnoredDuringExecution?.Select(t => new AffinityTerm(t.PodAffinityTerm, ns, t.Weight)).ToArray() ?? [];
    }

    public V1Pod Pod { get; }

    /// <summary><c>namespace/name</c>.</summary>
    public string Key { get; }

    public string Uid => Pod.Metadata.Uid ?? Key;

    public Resource Requests { get; }

    public Resource NonZeroRequests { get; }

    public List<HostPort> HostPorts { get; } = [];

    public int Priority { get; }

    public AffinityTerm[] RequiredAffinity { get; }

    public AffinityTerm[] RequiredAntiAffinity { get; }

    public AffinityTerm[] PreferredAffinity { get; }

    public AffinityTerm[] PreferredAntiAffinity { get; }

    public bool HasAffinity => RequiredAffinity.Length > 0 || RequiredAntiAffinity.Length > 0 || PreferredAffinity.Length > 0 || PreferredAntiAffinity.Length > 0;
}
