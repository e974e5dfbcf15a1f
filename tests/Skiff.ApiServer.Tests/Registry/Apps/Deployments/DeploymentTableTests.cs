using k8s.Models;
using Skiff.ApiServer.Registry.Apps.Deployments;

namespace Skiff.ApiServer.Tests.Registry.Apps.Deployments;

public class DeploymentTableTests
{
    [Fact]
    public void Columns_MatchKubernetesPrinter()
    {
        var table = new DeploymentTable();
        Assert.Equal(["Name", "Ready", "Up-to-date", "Available", "Age", "Containers", "Images", "Selector"], table.Columns.Select(c => c.Name));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1], table.Columns.Select(c => c.Priority));
    }

    [Fact]
    public void Cells_RunningDeployment_KubernetesText()
    {
        var d = new V1Deployment
        {
            Metadata = new V1ObjectMeta { Name = "web", CreationTimestamp = Strategies.Now.AddMinutes(-5) },
            Spec = new V1DeploymentSpec
            {
                Replicas = 3,
                Selector = Strategies.Selector(),
                Template = new V1PodTemplateSpec
                {
                    Spec = new V1PodSpec { Containers = [new V1Container { Name = "web", Image = "nginx" }, new V1Container { Name = "log", Image = "fluentd:1" }] },
                },
            },
            Status = new V1DeploymentStatus { ReadyReplicas = 2, UpdatedReplicas = 3, AvailableReplicas = 2 },
        };
        Assert.Equal<object?>(["web", "2/3", 3L, 2L, "5m", "web,log", "nginx,fluentd:1", "app=web"], new DeploymentTable().Cells(d, Strategies.Now));
    }
}
