using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.Pods;

/// <summary>
/// The pod columns of kube-apiserver's printers (printPod): READY counts ready containers (and started
/// sidecars), STATUS is the aggregate reason kubectl users know (Init:0/1, CrashLoopBackOff, Completed,
/// Terminating, ...), RESTARTS carries the time of the last restart.
/// </summary>
internal sealed class PodTable : TableConvertor<V1Pod>
{
    public static readonly PodTable Instance = new();

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
        new("Status", "string", "The aggregate status of the containers in this pod."),
        new("Restarts", "string", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."),
        Shared.Columns.Age,
        new("IP", "string", "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.", 1),
        new("Node", "string", "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for the pod to be scheduled on a specific node. https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename", 1),
        new("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other pods on the node, but it cannot be scheduled right away as preemption victims receive their graceful termination periods. This field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this node to a higher priority pod that is created after preemption. As a result, this field may be different than PodSpec.nodeName when the pod is scheduled.", 1),
        new("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod readiness. A pod is ready when all its containers are ready AND all conditions specified in the readiness gates have status equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates", 1),
    ];

    public override object?[] Cells(V1Pod obj, DateTime now)
    {
        var spec = obj.Spec ?? new V1PodSpec();
        var status = obj.Status ?? new V1PodStatus();
        var restarts = 0;
        var sidecarRestarts = 0;
        var total = spec.Containers?.Count ?? 0;
        var ready = 0;
        DateTime? lastRestart = null;
        DateTime? lastSidecarRestart = null;

        var reason = string.IsNullOrEmpty(status.Reason) ? status.Phase ?? "" : status.Reason;
        if ((status.Conditions ?? []).Any(c => c.Type == "PodScheduled" && c.Reason == "SchedulingGated"))
        {
            reason = "SchedulingGated";
        }

        var initContainers = (spec.InitContainers ?? []).ToDictionary(c => c.Name ?? "", c => c);
        total += (spec.InitContainers ?? []).Count(IsSidecar);

        var initializing = false;
        var initStatuses = status.InitContainerStatuses ?? [];
        for (var i = 0; i < initStatuses.Count; i++)
        {
            var c = initStatuses[i];
            restarts += c.RestartCount;
            Later(ref lastRestart, c.LastState?.Terminated?.FinishedAt);
            var sidecar = initContainers.TryGetValue(c.Name ?? "", out var def) && IsSidecar(def);
            if (sidecar)
            {
                sidecarRestarts += c.RestartCount;
                Later(ref lastSidecarRestart, c.LastState?.Terminated?.FinishedAt);
            }

            if (c.State?.Terminated is { ExitCode: 0 })
            {
                continue;
            }

            if (sidecar && c.Started == true)
            {
                if (c.Ready)
                {
                    ready++;
                }

                continue;
            }

            if (c.State?.Terminated is { } terminated)
            {
                reason = !string.IsNullOrEmpty(terminated.Reason) ? "Init:" + terminated.Reason
                    : terminated.Signal is { } signal and not 0 ? $"Init:Signal:{signal}"
                    : $"Init:ExitCode:{terminated.ExitCode}";
            }
            else if (c.State?.Waiting is { Reason: { Length: > 0 } waitingReason } && waitingReason != "PodInitializing")
            {
                reason = "Init:" + waitingReason;
            }
            else
            {
                reason = $"Init:{i}/{spec.InitContainers?.Count ?? 0}";
            }

            initializing = true;
            break;
        }

        var initialized = (status.Conditions ?? []).Any(c => c.Type == "Initialized" && c.Status == "True");
        if (!initializing || initialized)
        {
            restarts = sidecarRestarts;
            lastRestart = lastSidecarRestart;
            var hasRunning = false;
            var statuses = status.ContainerStatuses ?? [];
            for (var i = statuses.Count - 1; i >= 0; i--)
            {
                var c = statuses[i];
                restarts += c.RestartCount;
                Later(ref lastRestart, c.LastState?.Terminated?.FinishedAt);
                if (c.State?.Waiting is { Reason: { Length: > 0 } waitingReason })
                {
                    reason = waitingReason;
                }
                else if (c.State?.Terminated is { } terminated)
                {
                    reason = !string.IsNullOrEmpty(terminated.Reason) ? terminated.Reason
                        : terminated.Signal is { } signal and not 0 ? $"Signal:{signal}"
                        : $"ExitCode:{terminated.ExitCode}";
                }
                else if (c.Ready && c.State?.Running is not null)
                {
                    hasRunning = true;
                    ready++;
                }
            }

            // A pod whose last container completed but others still run is Running (or NotReady).
            if (reason == "Completed" && hasRunning)
            {
                reason = (status.Conditions ?? []).Any(c => c.Type == "Ready" && c.Status == "True") ? "Running" : "NotReady";
            }
        }

        if (obj.Metadata.DeletionTimestamp is not null && status.Reason == "NodeLost")
        {
            reason = "Unknown";
        }
        else if (obj.Metadata.DeletionTimestamp is not null && status.Phase is not ("Succeeded" or "Failed"))
        {
            reason = "Terminating";
        }

        var restartText = restarts != 0 && lastRestart is { } last
            ? $"{restarts} ({HumanDuration.Since(last, now)} ago)"
            : restarts.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var podIp = status.PodIPs is { Count: > 0 } ips && !string.IsNullOrEmpty(ips[0].Ip) ? ips[0].Ip : "<none>";
        var node = string.IsNullOrEmpty(spec.NodeName) ? "<none>" : spec.NodeName;
        var nominated = string.IsNullOrEmpty(status.NominatedNodeName) ? "<none>" : status.NominatedNodeName;
        var gates = "<none>";
        if (spec.ReadinessGates is { Count: > 0 } readinessGates)
        {
            var trueCount = readinessGates.Count(g =>
                (status.Conditions ?? []).FirstOrDefault(c => c.Type == g.ConditionType) is { Status: "True" });
            gates = $"{trueCount}/{readinessGates.Count}";
        }

        return
        [
            obj.Metadata.Name,
            $"{ready}/{total}",
            reason,
            restartText,
            HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
            podIp,
            node,
            nominated,
            gates,
        ];
    }

    private static bool IsSidecar(V1Container c) => c.RestartPolicy == "Always";

    private static void Later(ref DateTime? current, DateTime? candidate)
    {
        if (candidate is { } c && (current is null || current < c))
        {
            current = c;
        }
    }
}
