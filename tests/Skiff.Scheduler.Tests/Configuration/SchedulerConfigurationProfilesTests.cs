using k8s.Models;
using Skiff.Scheduler.Configuration;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins.InterPodAffinity;
using Skiff.Scheduler.Plugins.PodTopologySpread;
using Skiff.Scheduler.Tests.Plugins;

namespace Skiff.Scheduler.Tests.Configuration;

/// <summary>KubeSchedulerConfiguration: per-extension-point plugin sets, plugin args, and validation errors naming the field.</summary>
public sealed class SchedulerConfigurationProfilesTests
{
    private static Dictionary<string, SchedulerProfile> Build(string yaml, SchedulerListers? listers = null) =>
        SchedulerConfiguration.Parse(yaml).BuildProfiles(new ClientContext(null, new Random(1), listers));

    [Fact]
    public void FilterDisabled_PluginOffAtFilterOnly_OtherProfileUnchanged()
    {
        var profiles = Build("""
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            profiles:
            - schedulerName: default-scheduler
            - schedulerName: ignores-taints
              plugins:
                filter:
                  disabled:
                  - name: TaintToleration
            """);
        var tainted = Make.Info(Make.Node("tainted", taints: [new V1Taint { Key = "k", Value = "v", Effect = "NoSchedule" }]));
        var pod = new PodInfo(Make.Pod("p"));

        var ignoring = profiles["ignores-taints"].FindFeasibleNodes(new CycleState(), pod, new Snapshot([tainted]));
        var strict = profiles["default-scheduler"].FindFeasibleNodes(new CycleState(), pod, new Snapshot([tainted]));

        Assert.Single(ignoring.Feasible);
        Assert.Empty(strict.Feasible);

        // Still scoring: only the filter point lost it.
        Assert.True(profiles["ignores-taints"].Plugins.ContainsKey("TaintToleration"));
    }

    [Fact]
    public void Resolve_MultiPointStar_ThenPointEnabled()
    {
        var (plugins, enabledAt) = SchedulerConfiguration.Resolve(SchedulerConfiguration.Parse("""
            profiles:
            - schedulerName: minimal
              plugins:
                multiPoint:
                  disabled: [{name: "*"}]
                  enabled: [{name: DefaultBinder}, {name: NodeResourcesFit, weight: 3}]
                filter:
                  disabled: [{name: NodeResourcesFit}]
                score:
                  enabled: [{name: ImageLocality, weight: 7}]
            """).Profiles[0]);

        Assert.Equal([("DefaultBinder", 1), ("NodeResourcesFit", 3), ("ImageLocality", 7)], plugins);
        Assert.False(enabledAt("filter", "NodeResourcesFit"));
        Assert.True(enabledAt("score", "NodeResourcesFit"));
        Assert.True(enabledAt("score", "ImageLocality"));
        Assert.False(enabledAt("preScore", "ImageLocality"));
        Assert.True(enabledAt("bind", "DefaultBinder"));
    }

    [Fact]
    public void PluginConfig_HardPodAffinityWeight()
    {
        var profiles = Build("""
            profiles:
            - schedulerName: default-scheduler
              pluginConfig:
              - name: InterPodAffinity
                args: {hardPodAffinityWeight: 5}
            """);
        Assert.Equal(5, ((InterPodAffinityPlugin)profiles["default-scheduler"].Plugins["InterPodAffinity"]).HardPodAffinityWeight);
    }

    [Fact]
    public void PluginConfig_DefaultConstraints_ApplyToPodsSelectedByAService()
    {
        var listers = new SchedulerListers();
        listers.Services.Upsert(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "web" } },
        });
        var profiles = Build("""
            profiles:
            - schedulerName: default-scheduler
              pluginConfig:
              - name: PodTopologySpread
                args:
                  defaultingType: List
                  defaultConstraints:
                  - {maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule}
            """, listers);
        var spread = profiles["default-scheduler"].Plugins[PodTopologySpreadPlugin.PluginName];
        var zoneA = Make.Info(Make.Node("a", labels: new() { ["topology.kubernetes.io/zone"] = "a" }), Make.Pod("web-0", nodeName: "a", labels: new() { ["app"] = "web" }));
        var zoneB = Make.Info(Make.Node("b", labels: new() { ["topology.kubernetes.io/zone"] = "b" }));

        var web = PluginRunner.Filter(spread, Make.Pod("web-1", labels: new() { ["app"] = "web" }), zoneA, zoneB);
        var other = PluginRunner.Filter(spread, Make.Pod("other", labels: new() { ["app"] = "other" }), zoneA, zoneB);

        Assert.Equal("Unschedulable: node(s) didn't match pod topology spread constraints", web["a"]);
        Assert.Equal("ok", web["b"]);
        Assert.Equal(["ok", "ok"], [other["a"], other["b"]]);
    }

    public static TheoryData<string, string> Invalid => new()
    {
        { """{"apiVersion":"kubescheduler.config.k8s.io/v1beta1"}""", "apiVersion: Unsupported value: \"kubescheduler.config.k8s.io/v1beta1\": supported values: \"kubescheduler.config.k8s.io/v1\"" },
        { """{"percentageOfNodesToScore":120}""", "percentageOfNodesToScore: Invalid value: 120: not in valid range [0-100]" },
        { """{"profiles":[{"schedulerName":""}]}""", "profiles[0].schedulerName: Required value" },
        { """{"profiles":[{"schedulerName":"a"},{"schedulerName":"a"}]}""", "profiles[1].schedulerName: Duplicate value: \"a\"" },
        { """{"profiles":[{"schedulerName":"a","plugins":{"filter":{"enabled":[{"name":"NoSuch"}]}}}]}""", "profiles[0].plugins.filter.enabled[0].name: Invalid value: \"NoSuch\": no such plugin" },
        { """{"profiles":[{"schedulerName":"a","plugins":{"score":{"enabled":[{"name":"ImageLocality","weight":101}]}}}]}""", "profiles[0].plugins.score.enabled[0].weight: Invalid value: 101: not in valid range [0-100]" },
        { """{"profiles":[{"schedulerName":"a","pluginConfig":[{"name":"InterPodAffinity","args":{"hardPodAffinityWeight":101}}]}]}""", "profiles[0].pluginConfig[0].args.hardPodAffinityWeight: Invalid value: 101: not in valid range [0-100]" },
        { """{"profiles":[{"schedulerName":"a","pluginConfig":[{"name":"NodeResourcesFit","args":{"scoringStrategy":{"type":"Fancy"}}}]}]}""", "profiles[0].pluginConfig[0].args.scoringStrategy.type: Unsupported value: \"Fancy\": supported values: \"LeastAllocated\", \"MostAllocated\"" },
        { """{"profiles":[{"schedulerName":"a","pluginConfig":[{"name":"PodTopologySpread","args":{"defaultingType":"List","defaultConstraints":[{"maxSkew":0,"topologyKey":"zone","whenUnsatisfiable":"DoNotSchedule"}]}}]}]}""", "profiles[0].pluginConfig[0].args.defaultConstraints[0].maxSkew: Invalid value: 0: must be greater than zero" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_NamesTheField(string json, string expected)
    {
        var errors = SchedulerConfiguration.Parse(json).Validate();
        Assert.Contains(expected, errors);
        Assert.Throws<ArgumentException>(() => SchedulerConfiguration.Parse(json).BuildProfiles(new ClientContext(null, new Random(1))));
    }

    [Fact]
    public void Load_FileErrorsNameTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sched-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "profiles:\n- schedulerName: x\n  plugins:\n    preFilter:\n      disabled: [{name: Bogus}]\n");
        try
        {
            var ex = Assert.Throws<ArgumentException>(() => SchedulerConfiguration.Load(path));
            Assert.Equal($"{path}: invalid scheduler configuration: profiles[0].plugins.preFilter.disabled[0].name: Invalid value: \"Bogus\": no such plugin", ex.Message);
            File.WriteAllText(path, "profiles: [unclosed");
            Assert.StartsWith($"{path}: scheduler configuration: cannot decode:", Assert.Throws<ArgumentException>(() => SchedulerConfiguration.Load(path)).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
