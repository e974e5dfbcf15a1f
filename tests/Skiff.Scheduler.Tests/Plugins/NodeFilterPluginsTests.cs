using k8s.Models;
using Skiff.Scheduler.Plugins.NodeName;
using Skiff.Scheduler.Plugins.NodePorts;
using Skiff.Scheduler.Plugins.NodeUnschedulable;

namespace Skiff.Scheduler.Tests.Plugins;

/// <summary>NodeName, NodeUnschedulable and NodePorts: the small filters.</summary>
public sealed class NodeFilterPluginsTests
{
    [Theory]
    [InlineData(null, "ok")]
    [InlineData("n", "ok")]
    [InlineData("other", "UnschedulableAndUnresolvable: node(s) didn't match the requested node name")]
    public void NodeName_Filter(string? nodeName, string expected)
    {
        var pod = Make.Pod("p").With(p => p.Spec.NodeName = nodeName);
        Assert.Equal(expected, PluginRunner.Filter(new NodeNamePlugin(), pod, Make.Info(Make.Node("n")))["n"]);
    }

    [Theory]
    [InlineData(false, false, "ok")]
    [InlineData(true, false, "UnschedulableAndUnresolvable: node(s) were unschedulable")]
    [InlineData(true, true, "ok")]
    public void NodeUnschedulable_Filter(bool cordoned, bool tolerates, string expected)
    {
        var pod = Make.Pod("p").With(p =>
        {
            if (tolerates)
            {
                p.Spec.Tolerations = [new V1Toleration { Key = "node.kubernetes.io/unschedulable", OperatorProperty = "Exists", Effect = "NoSchedule" }];
            }
        });
        Assert.Equal(expected, PluginRunner.Filter(new NodeUnschedulablePlugin(), pod, Make.Info(Make.Node("n", unschedulable: cordoned)))["n"]);
    }

    public static TheoryData<int, string?, string, int, string?, string> PortCases => new()
    {
        // wanted port, wanted ip, protocol, used port, used ip, expected
        { 8080, null, "TCP", 8080, null, "Unschedulable: node(s) didn't have free ports for the requested pod ports" },
        { 8080, null, "UDP", 8080, null, "ok" },
        { 8080, "10.0.0.1", "TCP", 8080, "10.0.0.2", "ok" },
        { 8080, "10.0.0.1", "TCP", 8080, null, "Unschedulable: node(s) didn't have free ports for the requested pod ports" },
        { 8080, null, "TCP", 9090, null, "ok" },
    };

    [Theory]
    [MemberData(nameof(PortCases))]
    public void NodePorts_Filter(int wanted, string? wantedIp, string protocol, int used, string? usedIp, string expected)
    {
        static V1Pod WithPort(string name, int port, string? ip, string protocol) =>
            Make.Pod(name).With(p => p.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = port, HostIP = ip, Protocol = protocol }]);

        var node = Make.Info(Make.Node("n"), WithPort("existing", used, usedIp, "TCP"));
        Assert.Equal(expected, PluginRunner.Filter(new NodePortsPlugin(), WithPort("p", wanted, wantedIp, protocol), node)["n"]);
    }
}
