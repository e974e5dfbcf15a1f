using k8s.Models;
using Skiff.ApiServer.Registry.Core.ReplicationControllers;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.ReplicationControllers;

public sealed class ReplicationControllerStrategyTests
{
    private static ReplicationControllerStrategy Strategy() => Bind<ReplicationControllerStrategy, V1ReplicationController>(new ReplicationControllerStrategy());

    private static V1ReplicationController Rc() => new()
    {
        Metadata = Meta("web"),
        Spec = new V1ReplicationControllerSpec
        {
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "nginx", Image = "nginx:1.27" }] },
            },
        },
    };

    [Fact]
    public void Create_Rc_SelectorLabelsAndReplicasFromDefaults()
    {
        var rc = Rc();
        var errors = Create(Strategy(), rc);

        Assert.Empty(errors);
        Assert.Equal(1, rc.Spec.Replicas);
        Assert.Equal("web", rc.Spec.Selector["app"]);
        Assert.Equal("web", rc.Metadata.Labels["app"]);
        Assert.Equal("Always", rc.Spec.Template.Spec.RestartPolicy);
        Assert.Null(rc.Spec.Template.Spec.EnableServiceLinks);
        Assert.Equal(0, rc.Status.Replicas);
        Assert.True(Strategy().TracksGeneration);
    }

    [Fact]
    public void Validate_SelectorNotMatchingTemplate_Invalid()
    {
        var rc = Rc();
        rc.Spec.Selector = new Dictionary<string, string> { ["app"] = "db" };
        var errors = Create(Strategy(), rc);

        Assert.Equal("spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Validate_TemplateRestartNever_NotSupported()
    {
        var rc = Rc();
        rc.Spec.Template.Spec.RestartPolicy = "Never";
        var errors = Create(Strategy(), rc);

        Assert.Equal("spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Validate_NegativeReplicas_Invalid()
    {
        var rc = Rc();
        rc.Spec.Replicas = -1;
        var errors = Create(Strategy(), rc);

        Assert.Equal("spec.replicas: Invalid value: -1: must be greater than or equal to 0", Assert.Single(errors).ToString());
    }

    [Fact]
    public void SelectableFields_Rc_StatusReplicas()
    {
        var rc = Rc();
        Create(Strategy(), rc);

        Assert.Equal(new KeyValuePair<string, string>("status.replicas", "0"), Assert.Single(Strategy().SelectableFields(rc)));
    }

    [Fact]
    public void Table_Rc_ColumnsAndWideCells()
    {
        var rc = Rc();
        Create(Strategy(), rc);
        rc.Status.Replicas = 1;
        rc.Status.ReadyReplicas = 1;

        Assert.Equal(["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"], ReplicationControllerTable.Instance.Columns.Select(c => c.Name));
        Assert.Equal(["web", 1L, 1L, 1L, "5m", "nginx", "nginx:1.27", "app=web"], ReplicationControllerTable.Instance.Cells(rc, Now));
    }
}
