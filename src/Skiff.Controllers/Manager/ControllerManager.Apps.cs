using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Controllers.Common;
using Skiff.Controllers.DaemonSet;
using Skiff.Controllers.StatefulSet;

namespace Skiff.Controllers.Manager;

/// <summary>The DaemonSet and StatefulSet controllers, which share the ControllerRevision history helpers.</summary>
public sealed partial class ControllerManager
{
    /// <summary>kube-controller-manager's --concurrent-daemonset-syncs default.</summary>
    private const int DaemonSetWorkers = 2;

    /// <summary>kube-controller-manager's --concurrent-statefulset-syncs default.</summary>
    private const int StatefulSetWorkers = 5;

    private IEnumerable<(IController Controller, int Workers)> AppsControllers(InformerFactory factory, Func<string, EventRecorder> recorder, Func<string, ILogger> logger)
    {
        var pods = factory.For<V1Pod>(ApiResource.Pods);
        var revisions = factory.For<V1ControllerRevision>(ApiResource.ControllerRevisions);
        yield return (new DaemonSetController(
            factory.For<V1DaemonSet>(AppsResources.DaemonSets),
            pods,
            factory.For<V1Node>(ApiResource.Nodes),
            revisions,
            Client("daemon-set-controller").For<V1DaemonSet>(AppsResources.DaemonSets),
            Client("daemon-set-controller").For<V1Pod>(ApiResource.Pods),
            Client("daemon-set-controller").For<V1ControllerRevision>(ApiResource.ControllerRevisions),
            recorder("daemonset-controller"),
            timeProvider,
            logger("DaemonSet")), DaemonSetWorkers);
        yield return (new StatefulSetController(
            factory.For<V1StatefulSet>(AppsResources.StatefulSets),
            pods,
            revisions,
            factory.For<V1PersistentVolumeClaim>(AppsResources.PersistentVolumeClaims),
            Client("statefulset-controller").For<V1StatefulSet>(AppsResources.StatefulSets),
            Client("statefulset-controller").For<V1Pod>(ApiResource.Pods),
            Client("statefulset-controller").For<V1ControllerRevision>(ApiResource.ControllerRevisions),
            Client("statefulset-controller").For<V1PersistentVolumeClaim>(AppsResources.PersistentVolumeClaims),
            recorder("statefulset-controller"),
            timeProvider,
            logger("StatefulSet")), StatefulSetWorkers);
    }
}
