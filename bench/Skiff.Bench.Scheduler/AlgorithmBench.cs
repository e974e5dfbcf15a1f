using System.Diagnostics;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client.Events;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Queue;

namespace Skiff.Bench.Scheduler;

/// <summary>
/// The scheduling loop alone, in process: the real queue, cache, snapshot and default plugins, with a binder
/// that confirms at once and no API server. Shows what the scheduler itself can do, apart from the API writes.
/// </summary>
internal static class AlgorithmBench
{
    public static async Task<double> RunAsync(int nodes, int pods, Workload workload)
    {
        var binder = new InstantBinder();
        var plugins = PluginRegistry.Defaults.Where(p => p.Name != "DefaultBinder").ToList();
        var built = PluginRegistry.Build(Skiff.Scheduler.Scheduler.DefaultSchedulerName, plugins, null, 0, new ClientContext(null, new Random(1)));
        var profile = new SchedulerProfile(built.SchedulerName, built.Plugins.Values.Append(binder), plugins.ToDictionary(p => p.Name, p => p.Weight), 0, new Random(1));
        var cache = new SchedulerCache();
        var queue = new SchedulingQueue(TimeProvider.System, new SchedulingQueueOptions(), profile.EventsFor);
        var scheduler = new Skiff.Scheduler.Scheduler(cache, queue, new Dictionary<string, SchedulerProfile> { [profile.SchedulerName] = profile }, null, new NullRecorder(), TimeProvider.System, NullLogger.Instance);
        binder.OnBound = (pod, node) =>
        {
            // What the informer would deliver after the binding: the pod, now with its node.
            var bound = pod.Pod;
            bound.Spec.NodeName = node;
            scheduler.OnPodUpdate(pod.Pod, bound);
        };

        for (var i = 0; i < nodes; i++)
        {
            var allocatable = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("4"), ["memory"] = new("32Gi"), ["pods"] = new("110") };
            scheduler.OnNodeAdd(new V1Node
            {
                Metadata = new V1ObjectMeta { Name = "node-" + i, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = "node-" + i, ["topology.kubernetes.io/zone"] = "zone-" + (i % 10) } },
                Status = new V1NodeStatus { Allocatable = allocatable, Capacity = allocatable },
            });
        }

        for (var i = 0; i < pods; i++)
        {
            scheduler.OnPodAdd(Pod(i, workload));
        }

        var sw = Stopwatch.StartNew();
        while (await scheduler.ScheduleNextAsync(CancellationToken.None).ConfigureAwait(false))
        {
        }

        await scheduler.DrainAsync().ConfigureAwait(false);
        sw.Stop();
        Console.WriteLine($"in-process: {scheduler.Scheduled}/{pods} pods scheduled on {nodes} nodes in {sw.Elapsed.TotalSeconds:F2} s: {scheduler.Scheduled / sw.Elapsed.TotalSeconds:F0} pods/s ({scheduler.Failed} failed attempts)");
        return scheduler.Scheduled / sw.Elapsed.TotalSeconds;
    }

    private static V1Pod Pod(int i, Workload workload)
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "pod-" + i, NamespaceProperty = "bench", Uid = "uid-" + i, Labels = new Dictionary<string, string> { ["app"] = "bench" } },
            Spec = new V1PodSpec
            {
                SchedulerName = Skiff.Scheduler.Scheduler.DefaultSchedulerName,
                Containers = [new V1Container { Name = "c", Image = "pause", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("500Mi") } } }],
            },
        };
        var selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "bench" } };
        if (workload == Workload.AntiAffinity)
        {
            pod.Spec.Affinity = new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [new V1PodAffinityTerm { LabelSelector = selector, TopologyKey = "kubernetes.io/hostname" }] } };
        }
        else if (workload == Workload.Spread)
        {
            pod.Spec.TopologySpreadConstraints = [new V1TopologySpreadConstraint { MaxSkew = 1, TopologyKey = "topology.kubernetes.io/zone", WhenUnsatisfiable = "DoNotSchedule", LabelSelector = selector }];
        }

        return pod;
    }

    private sealed class InstantBinder : IBindPlugin
    {
        public string Name => "InstantBinder";

        public Action<PodInfo, string> OnBound { get; set; } = (_, _) => { };

        public Task<Status> BindAsync(PodInfo pod, string nodeName, CancellationToken cancellationToken)
        {
            OnBound(pod, nodeName);
            return Task.FromResult(Status.Ok);
        }
    }

    private sealed class NullRecorder : IEventRecorder
    {
        public void Event(k8s.IKubernetesObject<V1ObjectMeta> obj, string type, string reason, string message)
        {
        }
    }
}
