using k8s.Models;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Tests.Plugins;

/// <summary>Runs one plugin the way the framework does: PreFilter once (honouring Skip), then Filter per node; PreScore, Score and normalization.</summary>
internal static class PluginRunner
{
    /// <summary>Per node: "ok" or the status code and reasons.</summary>
    public static Dictionary<string, string> Filter(ISchedulerPlugin plugin, V1Pod pod, params NodeInfo[] nodes)
    {
        var snapshot = new Snapshot(nodes);
        var state = new CycleState();
        var info = new PodInfo(pod);
        if (plugin is IPreFilterPlugin pre)
        {
            var s = pre.PreFilter(state, info, snapshot);
            if (s.Code == StatusCode.Skip)
            {
                return nodes.ToDictionary(n => n.Name, _ => "ok");
            }

            if (!s.IsSuccess)
            {
                return nodes.ToDictionary(n => n.Name, _ => Describe(s));
            }
        }

        return nodes.ToDictionary(n => n.Name, n => Describe(((IFilterPlugin)plugin).Filter(state, info, n)));
    }

    public static Dictionary<string, long> Score(ISchedulerPlugin plugin, V1Pod pod, params NodeInfo[] nodes)
    {
        var snapshot = new Snapshot(nodes);
        var state = new CycleState();
        var info = new PodInfo(pod);
        if (plugin is IPreScorePlugin pre && pre.PreScore(state, info, nodes, snapshot).Code == StatusCode.Skip)
        {
            return nodes.ToDictionary(n => n.Name, _ => -1L);
        }

        var score = (IScorePlugin)plugin;
        var scores = nodes.Select(n => score.Score(state, info, n)).ToArray();
        score.NormalizeScores(state, info, scores);
        return nodes.Select((n, i) => (n.Name, scores[i])).ToDictionary(p => p.Name, p => p.Item2);
    }

    private static string Describe(Status s) => s.IsSuccess ? "ok" : $"{s.Code}: {string.Join("; ", s.Reasons)}";
}
