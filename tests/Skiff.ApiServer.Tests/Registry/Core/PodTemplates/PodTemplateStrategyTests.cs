using k8s.Models;
using Skiff.ApiServer.Registry.Core.PodTemplates;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.PodTemplates;

public sealed class PodTemplateStrategyTests
{
    private static PodTemplateStrategy Strategy() => Bind<PodTemplateStrategy, V1PodTemplate>(new PodTemplateStrategy());

    private static V1PodTemplate Template() => new()
    {
        Metadata = Meta("web"),
        Template = new V1PodTemplateSpec
        {
            Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "nginx", Image = "nginx" }] },
        },
    };

    [Fact]
    public void Create_Template_PodSpecDefaultsAndGenerationOne()
    {
        var template = Template();

        Assert.Empty(Create(Strategy(), template));
        Assert.Equal("Always", template.Template.Spec.Containers[0].ImagePullPolicy);
        Assert.Equal(1, template.Metadata.Generation);
    }

    [Fact]
    public void Update_TemplateChanged_GenerationBumped()
    {
        var strategy = Strategy();
        var old = Template();
        Create(strategy, old);
        var template = Copy(old);
        template.Template.Spec.Containers[0].Image = "nginx:1.28";

        Assert.Empty(Update(strategy, template, old));
        Assert.Equal(2, template.Metadata.Generation);
    }

    [Fact]
    public void Validate_MissingImage_PathUnderTemplate()
    {
        var template = Template();
        template.Template.Spec.Containers[0].Image = null;

        Assert.Equal("template.spec.containers[0].image: Required value", Assert.Single(Create(Strategy(), template)).ToString());
    }

    [Fact]
    public void Table_Template_ContainersImagesLabels()
    {
        Assert.Equal(["Name", "Containers", "Images", "Pod Labels"], PodTemplateTable.Instance.Columns.Select(c => c.Name));
        Assert.Equal(["web", "nginx", "nginx", "app=web"], PodTemplateTable.Instance.Cells(Template(), Now));
    }
}
