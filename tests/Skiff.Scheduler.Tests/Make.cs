using k8s.Models;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Tests;

/// <summary>Builders for nodes and pods as tests need them.</summary>
internal static class Make
{
    public static V1Node Node(string name, string cpu = "4", string memory = "8Gi", string pods = "110", Dictionary<string, string>? labels = null, V1Taint[]? taints = null, bool unschedulable = false, Dictionary<string, string>? extended = null)
    {
        var allocatable = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(cpu),
            ["memory"] = new(memory),
            ["pods"] = new(pods),
            ["ephemeral-storage"] = new("100Gi"),
        };
        foreach (var (k, v) in extended ?? [])
        {
            allocatable[k] = new ResourceQuantity(v);
        }

        var l = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name };
        foreach (var (k, v) in labels ?? [])
        {
            l[k] = v;
        }

        return new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = l, Uid = "node-" + name },
            Spec = new V1NodeSpec { Taints = taints, Unschedulable = unschedulable },
            Status = new V1NodeStatus { Allocatable = allocatable, Capacity = allocatable },
        };
    }

    public static V1Pod Pod(string name, string? cpu = null, string? memory = null, string ns = "default", Dictionary<string, string>? labels = null, string? nodeName = null, int priority = 0)
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        if (cpu is not null)
        {
            requests["cpu"] = new ResourceQuantity(cpu);
        }

        if (memory is not null)
        {
            requests["memory"] = new ResourceQuantity(memory);
        }

        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Uid = "uid-" + ns + "-" + name, Labels = labels, ResourceVersion = "1" },
            Spec = new V1PodSpec
            {
                Containers = [new V1Container { Name = "c", Image = "img", Resources = new V1ResourceRequirements { Requests = requests } }],
                NodeName = nodeName,
                Priority = priority,
                SchedulerName = "default-scheduler",
            },
            Status = new V1PodStatus { Phase = "Pending" },
        };
    }

    public static V1Pod With(this V1Pod pod, Action<V1Pod> change)
    {
        change(pod);
        return pod;
    }

    public static NodeInfo Info(V1Node node, params V1Pod[] pods)
    {
        var info = new NodeInfo(node);
        foreach (var p in pods)
        {
            info.AddPod(new PodInfo(p));
        }

        return info;
    }

    public static V1LabelSelector Selector(string key, string value) => new() { MatchLabels = new Dictionary<string, string> { [key] = value } };
}
