using Skiff.Scheduler.Configuration;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins.NodeResources;

namespace Skiff.Scheduler.Tests.Configuration;

public sealed class SchedulerConfigurationTests
{
    [Fact]
    public void Parse_Yaml_ProfilesWeightsAndArgs()
    {
        var config = SchedulerConfiguration.Parse("""
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            percentageOfNodesToScore: 30
            profiles:
            - schedulerName: default-scheduler
            - schedulerName: bin-packer
              plugins:
                multiPoint:
                  disabled:
                  - name: NodeResourcesBalancedAllocation
                  - name: DefaultBinder
                score:
                  enabled:
                  - name: NodeResourcesFit
                    weight: 5
              pluginConfig:
              - name: NodeResourcesFit
                args:
                  scoringStrategy:
                    type: MostAllocated
            """);

        var profiles = config.BuildProfiles(new ClientContext(null, new Random(1)));

        Assert.Equal(["bin-packer", "default-scheduler"], profiles.Keys.Order());
        var packer = profiles["bin-packer"];
        Assert.Equal(30, packer.PercentageOfNodesToScore);
        Assert.False(packer.Plugins.ContainsKey(BalancedAllocationPlugin.PluginName));

        // MostAllocated: the fuller node wins.
        var empty = Make.Info(Make.Node("empty", cpu: "4", memory: "4Gi"));
        var busy = Make.Info(Make.Node("busy", cpu: "4", memory: "4Gi"), Make.Pod("x", cpu: "2", memory: "2Gi"));
        var pod = new PodInfo(Make.Pod("p", cpu: "1", memory: "1Gi"));
        var scored = packer.Score(new CycleState(), pod, [empty, busy], new Snapshot([empty, busy]));
        Assert.Equal("busy", packer.SelectHost(scored).Name);
    }

    [Fact]
    public void Parse_UnknownPlugin_Fails()
    {
        var config = SchedulerConfiguration.Parse("""{"profiles":[{"schedulerName":"x","plugins":{"multiPoint":{"enabled":[{"name":"NoSuchPlugin"}]}}}]}""");
        Assert.Throws<ArgumentException>(() => config.BuildProfiles(new ClientContext(null, new Random(1))));
    }

    [Theory]
    [InlineData(50, 50)]
    [InlineData(500, 230)] // 50 - 500/125 = 46%
    [InlineData(5000, 500)] // 50 - 40 = 10%
    [InlineData(100000, 5000)] // floor of 5%
    public void NumFeasibleNodesToFind_Adaptive(int nodes, int expected)
    {
        var profile = PluginRegistry.Build("x", [], null, 0, new ClientContext(null, new Random(1)));
        Assert.Equal(expected, profile.NumFeasibleNodesToFind(nodes));
    }
}
