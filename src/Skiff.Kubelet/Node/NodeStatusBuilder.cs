using k8s.Models;
using Skiff.Kubelet.Eviction;
using Skiff.Kubelet.Host;

namespace Skiff.Kubelet.Node;

/// <summary>
/// Computes a Node's status the way kubelet's node status setters do: capacity and allocatable from the machine
/// (allocatable less the hard eviction thresholds of memory.available and nodefs.available, kubelet's defaults 100Mi
/// and 10%), addresses, nodeInfo, daemon endpoints, images and the four conditions (the pressure ones from the
/// eviction manager) with heartbeat and transition times.
/// </summary>
internal static class NodeStatusBuilder
{

    /// <summary>The runtime's health as seen by the last check.</summary>
    public sealed record RuntimeHealth(bool Ready, string RuntimeVersion, string? Message);

    public static V1NodeStatus Build(NodeAgentOptions options, MachineInfo machine, RuntimeHealth runtime, int kubeletPort, IReadOnlyList<V1ContainerImage> images, IList<V1NodeCondition>? previous, DateTime now, NodePressure? pressure = null)
    {
        pressure ??= NodePressure.None;
        var thresholds = options.Eviction.Thresholds;
        var capacity = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(machine.Cpus.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ["memory"] = new(Ki(machine.MemoryBytes)),
            ["ephemeral-storage"] = new(Ki(machine.EphemeralStorageBytes)),
            ["pods"] = new("110"),
        };
        var allocatable = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = capacity["cpu"],
            ["memory"] = new(Ki(Math.Max(0, machine.MemoryBytes - EvictionThresholds.HardReservation(thresholds, EvictionSignal.MemoryAvailable, machine.MemoryBytes)))),
            ["ephemeral-storage"] = new(Math.Max(0, machine.EphemeralStorageBytes - EvictionThresholds.HardReservation(thresholds, EvictionSignal.NodeFsAvailable, machine.EphemeralStorageBytes))
                .ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ["pods"] = capacity["pods"],
        };

        var ready = runtime.Ready
            ? Condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")
            : Condition("Ready", "False", "KubeletNotReady", runtime.Message ?? "container runtime is down");
        var conditions = new List<V1NodeCondition>
        {
            Pressure(EvictionSignal.MemoryPressure, pressure.Memory),
            Pressure(EvictionSignal.DiskPressure, pressure.Disk),
            Pressure(EvictionSignal.PidPressure, pressure.Pid),
            ready,
        };
        foreach (var c in conditions)
        {
            c.LastHeartbeatTime = now;
            var old = previous?.FirstOrDefault(p => p.Type == c.Type);
            c.LastTransitionTime = old is not null && old.Status == c.Status && old.LastTransitionTime is not null ? old.LastTransitionTime : now;
        }

        return new V1NodeStatus
        {
            Capacity = capacity,
            Allocatable = allocatable,
            Conditions = conditions,
            Addresses =
            [
                new V1NodeAddress { Address = options.NodeAddress.ToString(), Type = "InternalIP" },
                new V1NodeAddress { Address = options.NodeName, Type = "Hostname" },
            ],
            DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = kubeletPort } },
            NodeInfo = new V1NodeSystemInfo
            {
                Architecture = "amd64",
                OperatingSystem = "linux",
                BootID = machine.BootId,
                MachineID = machine.MachineId,
                SystemUUID = machine.SystemUuid,
                KernelVersion = machine.KernelVersion,
                OsImage = machine.OsImage,
                ContainerRuntimeVersion = runtime.RuntimeVersion,
                KubeletVersion = options.KubeletVersion,
                KubeProxyVersion = "",
            },
            Images = images.Count == 0 ? null : [.. images],
        };
    }

    /// <summary>Whether two statuses differ in anything but heartbeat times (kubelet writes on change, or every report period).</summary>
    public static bool Changed(V1NodeStatus? old, V1NodeStatus updated)
    {
        if (old is null)
        {
            return true;
        }

        static string Key(V1NodeStatus s)
        {
            var copy = k8s.KubernetesJson.Deserialize<V1NodeStatus>(k8s.KubernetesJson.Serialize(s));
            foreach (var c in copy.Conditions ?? [])
            {
                c.LastHeartbeatTime = null;
            }

            return k8s.KubernetesJson.Serialize(copy);
        }

        return Key(old) != Key(updated);
    }

    private static V1NodeCondition Pressure(string type, bool pressure)
    {
        var (reason, message) = EvictionMessages.Condition(type, pressure);
        return Condition(type, pressure ? "True" : "False", reason, message);
    }

    private static V1NodeCondition Condition(string type, string status, string reason, string message) =>
        new() { Type = type, Status = status, Reason = reason, Message = message };

    private static string Ki(long bytes) => (bytes / 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) + "Ki";
}
