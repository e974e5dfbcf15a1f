using k8s.Models;
using Skiff.ApiServer.Registry.Apps.ReplicaSets;

namespace Skiff.ApiServer.Tests.Registry.Apps.ReplicaSets;

public class ReplicaSetStrategyTests
{
    private readonly ReplicaSetStrategy _strategy = Strategies.For<ReplicaSetStrategy, V1ReplicaSet>();

    private static V1ReplicaSet ReplicaSet() => new()
    {
        Metadata = new V1ObjectMeta { Name = "web-abc", NamespaceProperty = "default" },
        Spec = new V1ReplicaSetSpec { Selector = Strategies.Selector(), Template = Strategies.Template() },
    };

    [Fact]
    public void Create_Defaults_ReplicasOneAndZeroStatus()
    {
        var rs = ReplicaSet();
        Assert.Empty(Strategies.Create(_strategy, rs));
        Assert.Equal(1, rs.Spec.Replicas);
        Assert.Equal(0, rs.Status.Replicas);
    }

    [Fact]
    public void Create_EmptySelector_UsesDeploymentWording()
    {
        var rs = ReplicaSet();
        rs.Spec.Selector = new V1LabelSelector();
        Assert.Contains(Strategies.Create(_strategy, rs), e => e.ToString() == "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment");
    }

    [Fact]
    public void Update_SelectorChanged_Immutable()
    {
        var old = ReplicaSet();
        Strategies.Create(_strategy, old);
        var updated = Strategies.Copy(old);
        updated.Spec.Selector.MatchExpressions = [new V1LabelSelectorRequirement { Key = "app", OperatorProperty = "Exists" }];
        Assert.Contains(Strategies.Update(_strategy, updated, old), e => e.Field == "spec.selector" && e.Detail == "field is immutable");
    }

    [Fact]
    public void SelectableFields_StatusReplicas()
    {
        var rs = ReplicaSet();
        rs.Status = new V1ReplicaSetStatus { Replicas = 4 };
        Assert.Equal(new KeyValuePair<string, string>("status.replicas", "4"), Assert.Single(_strategy.SelectableFields(rs)));
    }

    [Fact]
    public void Table_Cells_DesiredCurrentReady()
    {
        var rs = ReplicaSet();
        rs.Metadata.CreationTimestamp = Strategies.Now.AddHours(-3);
        rs.Spec.Replicas = 2;
        rs.Status = new V1ReplicaSetStatus { Replicas = 2, ReadyReplicas = 1 };
        var table = new ReplicaSetTable();
        Assert.Equal(["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"], table.Columns.Select(c => c.Name));
        Assert.Equal<object?>(["web-abc", 2L, 2L, 1L, "3h", "web", "nginx:1.27", "app=web"], table.Cells(rs, Strategies.Now));
    }
}
