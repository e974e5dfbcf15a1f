using k8s.Models;
using Skiff.Kubelet.Cri.V1;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Computes a pod's status from what the runtime reports, as kubelet's generateAPIPodStatus and getPhase do: container
/// statuses (state, lastState, restartCount, ids, ready, started), the phase, and the conditions
/// PodReadyToStartContainers, Initialized, ContainersReady and Ready (keeping PodScheduled and transition times).
/// Pure: the caller supplies the runtime state, waiting reasons and readiness.
/// </summary>
internal static class PodStatusBuilder
{
    public sealed record Input
    {
        public required V1Pod Pod { get; init; }

        /// <summary>The current sandbox's status; null when there is none (yet).</summary>
        public PodSandboxStatus? Sandbox { get; init; }

        public required IReadOnlyDictionary<string, ContainerHistory> Containers { get; init; }

        /// <summary>Waiting reasons of containers that could not be (re)started.</summary>
        public IReadOnlyDictionary<string, WaitingReason> Waiting { get; init; } = new Dictionary<string, WaitingReason>();

        /// <summary>Readiness of a running container by name and container id (probe results); null means no probe decides (ready once started).</summary>
        public Func<string, string, bool?>? Readiness { get; init; }

        /// <summary>Whether a running container has passed its startup probe; null means it has none.</summary>
        public Func<string, string, bool?>? Startup { get; init; }

        public required string NodeAddress { get; init; }

        public required DateTime Now { get; init; }

        /// <summary>Set when the pod has been told to stop for good (deleted, or terminal): no restart is pending.</summary>
        public bool Terminating { get; init; }
    }

    public static V1PodStatus Build(Input input)
    {
        var pod = input.Pod;
        var spec = pod.Spec;
        var old = pod.Status ?? new V1PodStatus();
        var initContainers = spec.InitContainers ?? [];
        var initDone = initContainers.All(c => Succeeded(input.Containers.GetValueOrDefault(c.Name)));

        var initStatuses = initContainers.Select(c => ContainerStatus(c, input, pendingReason: "PodInitializing")).ToList();
        var statuses = spec.Containers.Select(c => ContainerStatus(c, input, pendingReason: initDone ? "ContainerCreating" : "PodInitializing")).ToList();

        var phase = Phase(pod, initStatuses, statuses, input);
        var status = new V1PodStatus
        {
            Phase = phase,
            HostIP = input.NodeAddress,
            HostIPs = [new V1HostIP { Ip = input.NodeAddress }],
            QosClass = old.QosClass,
            StartTime = old.StartTime ?? input.Now,
            ContainerStatuses = statuses,
            InitContainerStatuses = initStatuses.Count == 0 ? null : initStatuses,
        };

        var podIp = spec.HostNetwork == true ? input.NodeAddress : input.Sandbox?.Network?.Ip;
        if (!string.IsNullOrEmpty(podIp))
        {
            status.PodIP = podIp;
            status.PodIPs = [new V1PodIP { Ip = podIp }, .. (input.Sandbox?.Network?.AdditionalIps ?? []).Select(ip => new V1PodIP { Ip = ip.Ip })];
        }
        else if (old.PodIP is not null && phase is "Succeeded" or "Failed")
        {
            status.PodIP = old.PodIP;
            status.PodIPs = old.PodIPs;
        }

        var sandboxReady = input.Sandbox?.State == PodSandboxState.SandboxReady;
        var terminal = phase is "Succeeded" or "Failed";
        var incompleteInit = initContainers.Where(c => !Succeeded(input.Containers.GetValueOrDefault(c.Name))).Select(c => c.Name).ToList();
        var unready = statuses.Where(s => !s.Ready).Select(s => s.Name).ToList();
        var conditions = new List<V1PodCondition>
        {
            Condition("PodReadyToStartContainers", sandboxReady ? "True" : "False", null, null),
            incompleteInit.Count == 0 || terminal
                ? Condition("Initialized", "True", terminal && initContainers.Count > 0 ? "PodCompleted" : null, null)
                : Condition("Initialized", "False", "ContainersNotInitialized", $"containers with incomplete status: [{string.Join(' ', incompleteInit)}]"),
        };
        foreach (var type in new[] { "Ready", "ContainersReady" })
        {
            conditions.Add(terminal && phase == "Succeeded"
                ? Condition(type, "False", "PodCompleted", null)
                : unready.Count == 0
                    ? Condition(type, "True", null, null)
                    : Condition(type, "False", "ContainersNotReady", $"containers with unready status: [{string.Join(' ', unready)}]"));
        }

        if (old.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled") is { } scheduled)
        {
            conditions.Add(scheduled);
        }

        foreach (var c in conditions)
        {
            var previous = old.Conditions?.FirstOrDefault(o => o.Type == c.Type);
            c.LastTransitionTime ??= previous is not null && previous.Status == c.Status ? previous.LastTransitionTime : input.Now;
        }

        status.Conditions = conditions;
        return status;
    }

    private static bool Succeeded(ContainerHistory? history) =>
        history?.Latest is { State: ContainerState.ContainerExited, ExitCode: 0 };

    private static V1ContainerStatus ContainerStatus(V1Container container, Input input, string pendingReason)
    {
        var status = new V1ContainerStatus
        {
            Name = container.Name,
            Image = container.Image,
            ImageID = string.Empty,
            Ready = false,
            RestartCount = 0,
            Started = false,
            State = new V1ContainerState(),
        };
        input.Waiting.TryGetValue(container.Name, out var waiting);
        if (!input.Containers.TryGetValue(container.Name, out var history))
        {
            status.State.Waiting = new V1ContainerStateWaiting { Reason = waiting?.Reason ?? pendingReason, Message = waiting?.Message };
            return status;
        }

        var latest = history.Latest;
        status.RestartCount = (int)(latest.Metadata?.Attempt ?? 0);
        status.ContainerID = "containerd://" + latest.Id;
        status.ImageID = latest.ImageRef ?? string.Empty;
        switch (latest.State)
        {
            case ContainerState.ContainerRunning:
                status.State.Running = new V1ContainerStateRunning { StartedAt = Time(latest.StartedAt) };
                var started = input.Startup?.Invoke(container.Name, latest.Id) ?? true;
                status.Started = started;
                status.Ready = started && (input.Readiness?.Invoke(container.Name, latest.Id) ?? true);
                if (history.Previous is { State: ContainerState.ContainerExited } previous)
                {
                    status.LastState = new V1ContainerState { Terminated = Terminated(previous) };
                }

                break;
            case ContainerState.ContainerExited when waiting is not null && !input.Terminating && WillRestart(input.Pod, latest):
                status.State.Waiting = new V1ContainerStateWaiting { Reason = waiting.Reason, Message = waiting.Message };
                status.LastState = new V1ContainerState { Terminated = Terminated(latest) };
                break;
            case ContainerState.ContainerExited:
                status.State.Terminated = Terminated(latest);
                if (history.Previous is { State: ContainerState.ContainerExited } before)
                {
                    status.LastState = new V1ContainerState { Terminated = Terminated(before) };
                }

                break;
            default:
                status.State.Waiting = new V1ContainerStateWaiting { Reason = waiting?.Reason ?? "ContainerCreating", Message = waiting?.Message };
                if (history.Previous is { State: ContainerState.ContainerExited } last)
                {
                    status.LastState = new V1ContainerState { Terminated = Terminated(last) };
                }

                break;
        }

        return status;
    }

    /// <summary>Whether the restart policy restarts this exited container (only then may it show a waiting reason).</summary>
    private static bool WillRestart(V1Pod pod, Cri.V1.ContainerStatus latest) => (pod.Spec.RestartPolicy ?? "Always") switch
    {
        "Always" => true,
        "OnFailure" => latest.ExitCode != 0,
        _ => false,
    };

    private static V1ContainerStateTerminated Terminated(Cri.V1.ContainerStatus s) => new()
    {
        ExitCode = s.ExitCode,
        Reason = string.IsNullOrEmpty(s.Reason) ? (s.ExitCode == 0 ? "Completed" : "Error") : s.Reason,
        Message = string.IsNullOrEmpty(s.Message) ? null : s.Message,
        StartedAt = s.StartedAt > 0 ? Time(s.StartedAt) : null,
        FinishedAt = s.FinishedAt > 0 ? Time(s.FinishedAt) : null,
        ContainerID = "containerd://" + s.Id,
    };

    /// <summary>kubelet's getPhase over init and app container statuses.</summary>
    private static string Phase(V1Pod pod, List<V1ContainerStatus> init, List<V1ContainerStatus> app, Input input)
    {
        var old = pod.Status?.Phase;
        if (old is "Succeeded" or "Failed")
        {
            return old;
        }

        var policy = pod.Spec.RestartPolicy ?? "Always";
        foreach (var s in init)
        {
            if (s.State.Terminated is { ExitCode: not 0 } && policy == "Never")
            {
                return "Failed";
            }

            if (s.State.Terminated is not { ExitCode: 0 })
            {
                return "Pending";
            }
        }

        int running = 0, waiting = 0, stopped = 0, succeeded = 0;
        foreach (var s in app)
        {
            if (s.State.Running is not null)
            {
                running++;
            }
            else if (s.State.Terminated is { } t)
            {
                stopped++;
                if (t.ExitCode == 0)
                {
                    succeeded++;
                }
            }
            else if (s.State.Waiting is not null)
            {
                if (s.LastState?.Terminated is not null)
                {
                    stopped++;
                }
                else
                {
                    waiting++;
                }
            }
        }

        if (waiting > 0)
        {
            return "Pending";
        }

        if (running > 0)
        {
            return "Running";
        }

        if (stopped > 0)
        {
            if (input.Terminating)
            {
                return stopped == succeeded ? "Succeeded" : "Failed";
            }

            return policy switch
            {
                "Always" => "Running",
                "OnFailure" => stopped == succeeded ? "Succeeded" : "Running",
                _ => stopped == succeeded ? "Succeeded" : "Failed",
            };
        }

        return "Pending";
    }

    private static V1PodCondition Condition(string type, string status, string? reason, string? message) =>
        new() { Type = type, Status = status, Reason = reason, Message = message };

    private static DateTime Time(long unixNanos) => DateTime.UnixEpoch.AddTicks(unixNanos / 100);
}
