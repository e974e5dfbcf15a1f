using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Controllers.Common;
using Skiff.Controllers.NodeLifecycle;
using Skiff.Controllers.PodAutoscaler;
using Skiff.Controllers.TaintEviction;

namespace Skiff.Controllers.Manager;

/// <summary>The node lifecycle, taint eviction and horizontal pod autoscaler controllers.</summary>
public sealed partial class ControllerManager
{
    private IEnumerable<(IController Controller, int Workers)> NodeControllers(InformerFactory factory, Func<string, EventRecorder> recorder, Func<string, ILogger> logger)
    {
        var settings = options.NodesAndAutoscaling;
        var nodes = factory.For<V1Node>(ApiResource.Nodes);
        var pods = factory.For<V1Pod>(ApiResource.Pods);
        yield return (new NodeLifecycleController(
            nodes,
            factory.For<V1Lease>(ApiResource.Leases),
            pods,
            Client("node-controller").For<V1Node>(ApiResource.Nodes),
            Client("node-controller").For<V1Pod>(ApiResource.Pods),
            recorder("node-controller"),
            settings.NodeLifecycle,
            timeProvider,
            logger("NodeLifecycle")), 1);
        yield return (new TaintEvictionController(nodes, pods, Client("node-controller").For<V1Pod>(ApiResource.Pods), recorder("taint-eviction-controller"), timeProvider, logger("TaintEviction")), settings.TaintEvictionWorkers);
        yield return (new HorizontalPodAutoscalerController(
            factory.For<V2HorizontalPodAutoscaler>(PodAutoscalerResources.HorizontalPodAutoscalers),
            pods,
            Client("horizontal-pod-autoscaler").For<V2HorizontalPodAutoscaler>(PodAutoscalerResources.HorizontalPodAutoscalers),
            new ScaleClient(Client("horizontal-pod-autoscaler")),
            settings.PodAutoscaler.MetricsSource ?? new ResourceMetricsApiSource(Client("horizontal-pod-autoscaler")),
            recorder("horizontal-pod-autoscaler"),
            settings.PodAutoscaler,
            timeProvider,
            logger("PodAutoscaler")), settings.PodAutoscalerWorkers);
    }
}
