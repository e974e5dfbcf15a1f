using System.Net;
using Skiff.Kubelet.Host;
using Skiff.Kubelet.Node;

namespace Skiff.Kubelet.Tests.Node;

public class NodeStatusBuilderTests
{
    private static readonly NodeAgentOptions Options = new() { NodeName = "n1", DataDir = "/d", NodeAddress = IPAddress.Parse("192.0.2.1") };
    private static readonly MachineInfo Machine = new(4, 8L * 1024 * 1024 * 1024, 100L * 1024 * 1024 * 1024, "6.1.0", "Debian GNU/Linux 12 (bookworm)", "mid", "bid", "");

    [Fact]
    public void Status_reports_capacity_allocatable_addresses_node_info_and_conditions()
    {
        var now = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var status = NodeStatusBuilder.Build(Options, Machine, new(true, "containerd://1.6.20", null), 10250, [], null, now);

        Assert.Equal("4", status.Capacity["cpu"].ToString());
        Assert.Equal(8m * 1024 * 1024 * 1024, status.Capacity["memory"].ToDecimal());
        Assert.Equal("110", status.Capacity["pods"].ToString());
        Assert.Equal((8m * 1024 - 100) * 1024 * 1024, status.Allocatable["memory"].ToDecimal());
        Assert.Equal([("192.0.2.1", "InternalIP"), ("n1", "Hostname")], status.Addresses.Select(a => (a.Address, a.Type)));
        Assert.Equal(10250, status.DaemonEndpoints.KubeletEndpoint.Port);
        Assert.Equal("containerd://1.6.20", status.NodeInfo.ContainerRuntimeVersion);
        Assert.Equal("6.1.0", status.NodeInfo.KernelVersion);
        Assert.Equal(["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"], status.Conditions.Select(c => c.Type));
        var ready = status.Conditions.Single(c => c.Type == "Ready");
        Assert.Equal(("True", "KubeletReady"), (ready.Status, ready.Reason));
        Assert.Equal(now, ready.LastHeartbeatTime);
    }

    [Fact]
    public void Heartbeat_alone_is_not_a_change_but_readiness_is_and_keeps_transition_times_otherwise()
    {
        var t0 = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var first = NodeStatusBuilder.Build(Options, Machine, new(true, "containerd://1.6.20", null), 10250, [], null, t0);
        var second = NodeStatusBuilder.Build(Options, Machine, new(true, "containerd://1.6.20", null), 10250, [], first.Conditions, t0.AddSeconds(10));
        Assert.False(NodeStatusBuilder.Changed(first, second));
        Assert.Equal(t0, second.Conditions.Single(c => c.Type == "Ready").LastTransitionTime);

        var down = NodeStatusBuilder.Build(Options, Machine, new(false, "", "container runtime is down"), 10250, [], second.Conditions, t0.AddSeconds(20));
        Assert.True(NodeStatusBuilder.Changed(second, down));
        var ready = down.Conditions.Single(c => c.Type == "Ready");
        Assert.Equal(("False", "KubeletNotReady", "container runtime is down"), (ready.Status, ready.Reason, ready.Message));
        Assert.Equal(t0.AddSeconds(20), ready.LastTransitionTime);
    }

    [Fact]
    public void Pressure_conditions_come_from_the_eviction_manager_and_allocatable_from_the_hard_thresholds()
    {
        var options = new NodeAgentOptions
        {
            NodeName = "n1",
            DataDir = "/d",
            NodeAddress = IPAddress.Parse("192.0.2.1"),
            Eviction = new Skiff.Kubelet.Eviction.EvictionOptions { Thresholds = Skiff.Kubelet.Eviction.EvictionThresholds.Parse("memory.available<1Gi,nodefs.available<40%", null, null, null) },
        };
        var now = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var status = NodeStatusBuilder.Build(options, Machine, new(true, "containerd://1.6.20", null), 10250, [], null, now, new Skiff.Kubelet.Eviction.NodePressure(false, true, false));

        Assert.Equal(7m * 1024 * 1024 * 1024, status.Allocatable["memory"].ToDecimal());
        Assert.Equal(100m * 1024 * 1024 * 1024 - (long)(100L * 1024 * 1024 * 1024 * (double)0.4f), status.Allocatable["ephemeral-storage"].ToDecimal());
        var disk = status.Conditions.Single(c => c.Type == "DiskPressure");
        Assert.Equal(("True", "KubeletHasDiskPressure", "kubelet has disk pressure"), (disk.Status, disk.Reason, disk.Message));
        var memory = status.Conditions.Single(c => c.Type == "MemoryPressure");
        Assert.Equal(("False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"), (memory.Status, memory.Reason, memory.Message));
        var pid = status.Conditions.Single(c => c.Type == "PIDPressure");
        Assert.Equal(("False", "KubeletHasSufficientPID"), (pid.Status, pid.Reason));
    }
}
