using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Core.Nodes;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.Nodes;

public sealed class NodeStrategyTests
{
    private static NodeStrategy Strategy() => Bind<NodeStrategy, V1Node>(new NodeStrategy());

    private static V1Node Node() => new()
    {
        Metadata = Meta("node-1", null),
        Spec = new V1NodeSpec(),
        Status = new V1NodeStatus
        {
            Capacity = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("4"), ["memory"] = new("8Gi") },
            Conditions = [new V1NodeCondition { Type = "Ready", Status = "True" }],
            Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "192.168.1.5" }],
            NodeInfo = new V1NodeSystemInfo { KubeletVersion = "v1.33.0", OsImage = "Debian GNU/Linux 13 (trixie)", KernelVersion = "6.12.0", Architecture = "amd64", ContainerRuntimeVersion = "containerd://2.0.0" },
        },
    };

    [Fact]
    public void Create_NodeWithStatus_KeepsStatusAndDefaultsAllocatable()
    {
        var node = Node();
        var errors = Create(Strategy(), node);

        Assert.Empty(errors);
        Assert.Equal("True", node.Status.Conditions[0].Status);
        Assert.Equal("4", node.Status.Allocatable["cpu"].ToString());
    }

    [Fact]
    public void ValidateUpdate_PodCidrChanged_Forbidden()
    {
        var strategy = Strategy();
        var old = Node();
        old.Spec.PodCIDR = "10.42.0.0/24";
        Create(strategy, old);
        var node = Copy(old);
        node.Spec.PodCIDR = "10.42.1.0/24";
        node.Spec.PodCIDRs = ["10.42.1.0/24"];

        Assert.Contains(Update(strategy, node, old), e => e.ToString() == "spec.podCIDRs: Forbidden: node updates may not change podCIDR except from \"\" to valid");
    }

    [Fact]
    public void ValidateUpdate_PodCidrSetFirstTime_Allowed()
    {
        var strategy = Strategy();
        var old = Node();
        Create(strategy, old);
        var node = Copy(old);
        node.Spec.PodCIDR = "10.42.1.0/24";

        Assert.Empty(Update(strategy, node, old));
    }

    [Fact]
    public void Validate_TaintWithoutEffect_Required()
    {
        var node = Node();
        node.Spec.Taints = [new V1Taint { Key = "dedicated", Value = "db" }];
        var errors = Create(Strategy(), node);

        Assert.Equal("spec.taints[0].effect: Required value", Assert.Single(errors).ToString());
    }

    [Fact]
    public void PrepareForUpdate_StatusInBody_KeepsOldStatus()
    {
        var strategy = Strategy();
        var old = Node();
        Create(strategy, old);
        var node = Copy(old);
        node.Status.Conditions[0].Status = "False";

        Update(strategy, node, old);

        Assert.Equal("True", node.Status.Conditions[0].Status);
    }

    [Fact]
    public void SelectableFields_Node_Unschedulable()
    {
        var node = Node();
        node.Spec.Unschedulable = true;

        Assert.Equal("true", Strategy().SelectableFields(node).Single(kv => kv.Key == "spec.unschedulable").Value);
    }

    [Fact]
    public void Table_ReadyControlPlaneNode_AllColumns()
    {
        var node = Node();
        node.Metadata.Labels = new Dictionary<string, string> { ["node-role.kubernetes.io/control-plane"] = "", ["node-role.kubernetes.io/master"] = "true" };

        var cells = NodeTable.Instance.Cells(node, Now);

        Assert.Equal(["node-1", "Ready", "control-plane,master", "5m", "v1.33.0", "192.168.1.5", "<none>", "Debian GNU/Linux 13 (trixie)", "6.12.0 (amd64)", "containerd://2.0.0"], cells);
    }

    [Fact]
    public void Table_CordonedNotReadyNode_StatusCombined()
    {
        var node = Node();
        node.Status.Conditions[0].Status = "Unknown";
        node.Spec.Unschedulable = true;

        var cells = NodeTable.Instance.Cells(node, Now);

        Assert.Equal("NotReady,SchedulingDisabled", cells[1]);
        Assert.Equal("<none>", cells[2]);
    }

    [Fact]
    public void Table_NoReadyCondition_Unknown()
    {
        var node = Node();
        node.Status.Conditions = [];

        Assert.Equal("Unknown", NodeTable.Instance.Cells(node, Now)[1]);
    }

    [Fact]
    public void ValidateStatusUpdate_NegativeCapacity_Invalid()
    {
        var node = Node();
        node.Status.Capacity["cpu"] = new ResourceQuantity("-1");
        var errors = new FieldErrors();
        Strategy().ValidateStatusUpdate(node, Node(), errors);

        Assert.Equal("status.capacity.cpu: Invalid value: \"-1\": must be greater than or equal to 0", Assert.Single(errors).ToString());
    }
}
