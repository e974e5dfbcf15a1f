using k8s.Models;
using Skiff.ApiServer.Registry.Apps.DaemonSets;

namespace Skiff.ApiServer.Tests.Registry.Apps.DaemonSets;

public class DaemonSetStrategyTests
{
    private readonly DaemonSetStrategy _strategy = Strategies.For<DaemonSetStrategy, V1DaemonSet>();

    private static V1DaemonSet DaemonSet() => new()
    {
        Metadata = new V1ObjectMeta { Name = "agent", NamespaceProperty = "kube-system" },
        Spec = new V1DaemonSetSpec { Selector = Strategies.Selector(), Template = Strategies.Template() },
    };

    [Fact]
    public void Create_Defaults_RollingUpdateOneZeroAndTemplateGeneration()
    {
        var ds = DaemonSet();
        Assert.Empty(Strategies.Create(_strategy, ds));
        Assert.Equal("RollingUpdate", ds.Spec.UpdateStrategy.Type);
        Assert.Equal("1", ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable.Value);
        Assert.Equal("0", ds.Spec.UpdateStrategy.RollingUpdate.MaxSurge.Value);
        Assert.Equal(10, ds.Spec.RevisionHistoryLimit);
        Assert.Equal("1", ds.Metadata.Annotations[DaemonSetStrategy.TemplateGenerationAnnotation]);
        Assert.Equal(0, ds.Status.DesiredNumberScheduled);
    }

    [Fact]
    public void Update_TemplateChanged_BumpsTemplateGeneration()
    {
        var old = DaemonSet();
        Strategies.Create(_strategy, old);
        var same = Strategies.Copy(old);
        Assert.Empty(Strategies.Update(_strategy, same, old));
        Assert.Equal("1", same.Metadata.Annotations[DaemonSetStrategy.TemplateGenerationAnnotation]);

        var changed = Strategies.Copy(old);
        changed.Spec.Template.Spec.Containers[0].Image = "nginx:1.28";
        Assert.Empty(Strategies.Update(_strategy, changed, old));
        Assert.Equal("2", changed.Metadata.Annotations[DaemonSetStrategy.TemplateGenerationAnnotation]);
    }

    [Fact]
    public void Create_SurgeAndUnavailableBothSet_Invalid()
    {
        var ds = DaemonSet();
        ds.Spec.UpdateStrategy = new V1DaemonSetUpdateStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDaemonSet { MaxSurge = 1, MaxUnavailable = 1 } };
        Assert.Equal("spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero", Assert.Single(Strategies.Create(_strategy, ds)).ToString());
    }

    [Fact]
    public void Create_EmptySelector_DaemonSetWording()
    {
        var ds = DaemonSet();
        ds.Spec.Selector = new V1LabelSelector();
        Assert.Contains(Strategies.Create(_strategy, ds), e => e.Detail == "empty selector is invalid for daemonset");
    }

    [Fact]
    public void Table_Cells_NodeSelectorAndCounts()
    {
        var ds = DaemonSet();
        ds.Metadata.CreationTimestamp = Strategies.Now.AddDays(-3);
        ds.Spec.Template.Spec.NodeSelector = new Dictionary<string, string> { ["kubernetes.io/os"] = "linux" };
        ds.Status = new V1DaemonSetStatus { DesiredNumberScheduled = 2, CurrentNumberScheduled = 2, NumberReady = 1, UpdatedNumberScheduled = 2, NumberAvailable = 1 };
        var table = new DaemonSetTable();
        Assert.Equal(["Name", "Desired", "Current", "Ready", "Up-to-date", "Available", "Node Selector", "Age", "Containers", "Images", "Selector"], table.Columns.Select(c => c.Name));
        Assert.Equal<object?>(["agent", 2L, 2L, 1L, 2L, 1L, "kubernetes.io/os=linux", "3d", "web", "nginx:1.27", "app=web"], table.Cells(ds, Strategies.Now));
        ds.Spec.Template.Spec.NodeSelector = null;
        Assert.Equal("<none>", table.Cells(ds, Strategies.Now)[6]);
    }
}
