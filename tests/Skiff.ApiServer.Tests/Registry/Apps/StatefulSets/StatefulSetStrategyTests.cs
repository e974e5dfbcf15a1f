using k8s.Models;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Registry.Apps.StatefulSets;

namespace Skiff.ApiServer.Tests.Registry.Apps.StatefulSets;

public class StatefulSetStrategyTests
{
    private readonly StatefulSetStrategy _strategy = Strategies.For<StatefulSetStrategy, V1StatefulSet>();

    private static V1StatefulSet StatefulSet()
    {
        var template = Strategies.Template();
        template.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }];
        return new V1StatefulSet
        {
            Metadata = new V1ObjectMeta { Name = "db", NamespaceProperty = "default" },
            Spec = new V1StatefulSetSpec
            {
                ServiceName = "db",
                Selector = Strategies.Selector(),
                Template = template,
                VolumeClaimTemplates = [new V1PersistentVolumeClaim { Metadata = new V1ObjectMeta { Name = "data" } }],
            },
        };
    }

    [Fact]
    public void Create_Defaults_KubernetesDefaults()
    {
        var sts = StatefulSet();
        Assert.Empty(Strategies.Create(_strategy, sts));
        Assert.Equal(1, sts.Spec.Replicas);
        Assert.Equal("OrderedReady", sts.Spec.PodManagementPolicy);
        Assert.Equal("RollingUpdate", sts.Spec.UpdateStrategy.Type);
        Assert.Equal(0, sts.Spec.UpdateStrategy.RollingUpdate.Partition);
        Assert.Equal(10, sts.Spec.RevisionHistoryLimit);
        Assert.Equal("Retain", sts.Spec.PersistentVolumeClaimRetentionPolicy.WhenDeleted);
        Assert.Equal("Retain", sts.Spec.PersistentVolumeClaimRetentionPolicy.WhenScaled);
        Assert.Equal("Filesystem", sts.Spec.VolumeClaimTemplates[0].Spec.VolumeMode);
        Assert.Equal("Pending", sts.Spec.VolumeClaimTemplates[0].Status.Phase);
        Assert.Equal(0, sts.Status.AvailableReplicas);
        Assert.Equal(NameRule.DnsLabel, _strategy.NameRule);
    }

    [Fact]
    public void Create_OnDeleteWithRollingUpdate_NoDefaultPartition()
    {
        var sts = StatefulSet();
        sts.Spec.UpdateStrategy = new V1StatefulSetUpdateStrategy { Type = "OnDelete" };
        Assert.Empty(Strategies.Create(_strategy, sts));
        Assert.Null(sts.Spec.UpdateStrategy.RollingUpdate);
    }

    [Fact]
    public void Update_ServiceNameChanged_Forbidden()
    {
        var old = StatefulSet();
        Strategies.Create(_strategy, old);
        var updated = Strategies.Copy(old);
        updated.Spec.ServiceName = "other";
        Assert.Equal("spec: Forbidden: " + StatefulSetStrategy.ForbiddenUpdateMessage, Assert.Single(Strategies.Update(_strategy, updated, old)).ToString());
    }

    [Fact]
    public void Update_ReplicasAndImage_Allowed()
    {
        var old = StatefulSet();
        Strategies.Create(_strategy, old);
        var updated = Strategies.Copy(old);
        updated.Spec.Replicas = 5;
        updated.Spec.Template.Spec.Containers[0].Image = "nginx:1.28";
        Assert.Empty(Strategies.Update(_strategy, updated, old));
    }

    [Fact]
    public void Create_BadPodManagementPolicy_Invalid()
    {
        var sts = StatefulSet();
        sts.Spec.PodManagementPolicy = "Random";
        Assert.Equal("spec.podManagementPolicy: Invalid value: \"Random\": must be 'OrderedReady' or 'Parallel'", Assert.Single(Strategies.Create(_strategy, sts)).ToString());
    }

    [Fact]
    public void Table_Cells_ReadyOfDesired()
    {
        var sts = StatefulSet();
        sts.Metadata.CreationTimestamp = Strategies.Now.AddSeconds(-30);
        sts.Spec.Replicas = 3;
        sts.Status = new V1StatefulSetStatus { Replicas = 3, ReadyReplicas = 3 };
        var table = new StatefulSetTable();
        Assert.Equal(["Name", "Ready", "Age", "Containers", "Images"], table.Columns.Select(c => c.Name));
        Assert.Equal<object?>(["db", "3/3", "30s", "web", "nginx:1.27"], table.Cells(sts, Strategies.Now));
    }
}
