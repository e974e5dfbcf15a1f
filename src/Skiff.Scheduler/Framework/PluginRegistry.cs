using System.Collections.Frozen;
using Skiff.Scheduler.Plugins.DefaultBinder;
using Skiff.Scheduler.Plugins.DefaultPreemption;
using Skiff.Scheduler.Plugins.ImageLocality;
using Skiff.Scheduler.Plugins.InterPodAffinity;
using Skiff.Scheduler.Plugins.NodeAffinity;
using Skiff.Scheduler.Plugins.NodeName;
using Skiff.Scheduler.Plugins.NodePorts;
using Skiff.Scheduler.Plugins.NodeResources;
using Skiff.Scheduler.Plugins.NodeUnschedulable;
using Skiff.Scheduler.Plugins.PodTopologySpread;
using Skiff.Scheduler.Plugins.TaintToleration;
using Skiff.Scheduler.Plugins.VolumeBinding;
using Skiff.Scheduler.Plugins.VolumeRestrictions;

namespace Skiff.Scheduler.Framework;

/// <summary>
/// The in-tree plugins by name (kube-scheduler's plugins.NewInTreeRegistry) and the default profile's plugin
/// set and score weights (kube-scheduler's getDefaultPlugins for v1).
/// </summary>
internal static class PluginRegistry
{
    public static readonly FrozenDictionary<string, Func<PluginContext, ISchedulerPlugin>> Factories =
        new Dictionary<string, Func<PluginContext, ISchedulerPlugin>>(StringComparer.Ordinal)
        {
            [NodeUnschedulablePlugin.PluginName] = _ => new NodeUnschedulablePlugin(),
            [NodeNamePlugin.PluginName] = _ => new NodeNamePlugin(),
            [TaintTolerationPlugin.PluginName] = _ => new TaintTolerationPlugin(),
            [NodeAffinityPlugin.PluginName] = _ => new NodeAffinityPlugin(),
            [NodePortsPlugin.PluginName] = _ => new NodePortsPlugin(),
            [NodeResourcesFitPlugin.PluginName] = c => new NodeResourcesFitPlugin(
                Enum.TryParse<ScoringStrategy>(c.Args.ScoringStrategy, out var strategy) ? strategy : ScoringStrategy.LeastAllocated),
            [VolumeRestrictionsPlugin.PluginName] = c => new VolumeRestrictionsPlugin(c.Listers),
            [VolumeBindingPlugin.PluginName] = c => new VolumeBindingPlugin(c.Listers, c.Connection, c.Time),
            [PodTopologySpreadPlugin.PluginName] = c => c.Args.DefaultingType == "List" ? new PodTopologySpreadPlugin(c.Args.DefaultConstraints, c.Listers) : PodTopologySpreadPlugin.WithSystemDefaults(c.Listers),
            [InterPodAffinityPlugin.PluginName] = c => new InterPodAffinityPlugin(c.Args.HardPodAffinityWeight ?? InterPodAffinityPlugin.DefaultHardPodAffinityWeight),
            [BalancedAllocationPlugin.PluginName] = _ => new BalancedAllocationPlugin(),
            [ImageLocalityPlugin.PluginName] = _ => new ImageLocalityPlugin(),
            [DefaultPreemptionPlugin.PluginName] = c => new DefaultPreemptionPlugin(c.Profile, c.Connection?.For<k8s.Models.V1Pod>(Skiff.Client.Api.ApiResource.Pods), c.Listers),
            [DefaultBinderPlugin.PluginName] = c => new DefaultBinderPlugin(c.Connection),
        }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The default profile in filter order, with score weights (0 for plugins that do not score).</summary>
    public static readonly IReadOnlyList<(string Name, int Weight)> Defaults =
    [
        (NodeUnschedulablePlugin.PluginName, 0),
        (NodeNamePlugin.PluginName, 0),
        (TaintTolerationPlugin.PluginName, 3),
        (NodeAffinityPlugin.PluginName, 2),
        (NodePortsPlugin.PluginName, 0),
        (NodeResourcesFitPlugin.PluginName, 1),
        (VolumeRestrictionsPlugin.PluginName, 0),
        (VolumeBindingPlugin.PluginName, 0),
        (PodTopologySpreadPlugin.PluginName, 2),
        (InterPodAffinityPlugin.PluginName, 2),
        (DefaultPreemptionPlugin.PluginName, 0),
        (BalancedAllocationPlugin.PluginName, 1),
        (ImageLocalityPlugin.PluginName, 1),
        (DefaultBinderPlugin.PluginName, 0),
    ];

    /// <summary>Builds a profile from plugin names and weights; unknown names are a configuration error.</summary>
    public static SchedulerProfile Build(string schedulerName, IEnumerable<(string Name, int Weight)> plugins, IReadOnlyDictionary<string, PluginArgs>? args, int percentageOfNodesToScore, ClientContext client, Func<string, string, bool>? enabledAt = null)
    {
        SchedulerProfile? built = null;
        var list = new List<ISchedulerPlugin>();
        var weights = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, weight) in plugins)
        {
            if (!Factories.TryGetValue(name, out var factory))
            {
                throw new ArgumentException($"profile {schedulerName}: plugin \"{name}\" does not exist");
            }

            var context = new PluginContext(client, () => built ?? throw new InvalidOperationException("profile not built yet"), args?.GetValueOrDefault(name) ?? new PluginArgs());
            list.Add(factory(context));
            weights[name] = weight;
        }

        built = new SchedulerProfile(schedulerName, list, weights, percentageOfNodesToScore, client.Random, enabledAt, client.Clock);
        return built;
    }
}
