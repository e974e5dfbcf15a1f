using k8s.Models;

namespace Skiff.Kubelet.Eviction;

/// <summary>
/// Orders pods for eviction as kubelet's rank functions do (pkg/kubelet/eviction/helpers.go): for memory, pods using
/// more than they request first, then lower priority first, then the most usage above request; for disk and inodes the
/// same over local storage; for PIDs lower priority first, then the most processes. Pods without stats rank first.
/// </summary>
internal static class PodRanking
{
    /// <summary>
    /// The pods in eviction order for a threshold of <paramref name="signal"/>, by the usage in <paramref name="usage"/>
    /// (pod UID → usage); <paramref name="dedicatedImageFs"/> picks which local storage counts for disk signals.
    /// </summary>
    public static List<V1Pod> Rank(string signal, IEnumerable<V1Pod> pods, IReadOnlyDictionary<string, PodUsage> usage, bool dedicatedImageFs = false)
    {
        Func<V1Pod, PodUsage?> stats = p => usage.GetValueOrDefault(p.Metadata.Uid);
        var list = pods.ToList();
        Comparison<V1Pod> order = signal switch
        {
            EvictionSignal.MemoryAvailable => Chain(Exceeds(stats, "memory", u => u.MemoryWorkingSet ?? 0), ByPriority, AboveRequest(stats, "memory", u => u.MemoryWorkingSet ?? 0)),
            EvictionSignal.PidAvailable => Chain(ByPriority, (a, b) => (stats(b)?.Processes ?? 0).CompareTo(stats(a)?.Processes ?? 0)),
            EvictionSignal.NodeFsInodesFree or EvictionSignal.ImageFsInodesFree => Chain(Exceeds(stats, "inodes", u => u.Inodes), ByPriority, AboveRequest(stats, "inodes", u => u.Inodes)),
            _ => Chain(Exceeds(stats, "ephemeral-storage", u => u.DiskFor(signal, dedicatedImageFs)), ByPriority, AboveRequest(stats, "ephemeral-storage", u => u.DiskFor(signal, dedicatedImageFs))),
        };

        // A stable sort, so equal pods keep the order the pod manager lists them in.
        return [.. list.Select((pod, index) => (pod, index)).OrderBy(x => x, Comparer<(V1Pod Pod, int Index)>.Create((x, y) =>
        {
            var c = order(x.Pod, y.Pod);
            return c != 0 ? c : x.Index.CompareTo(y.Index);
        })).Select(x => x.pod)];
    }

    /// <summary>The pod's effective request of <paramref name="resource"/>: max(sum of containers, largest init container), as kubelet's podRequest.</summary>
    public static long Request(V1Pod pod, string resource)
    {
        static long Of(V1Container c, string resource) =>
            c.Resources?.Requests?.TryGetValue(resource, out var q) == true ? (long)Math.Ceiling(q.ToDecimal()) : 0;

        var containers = pod.Spec.Containers.Sum(c => Of(c, resource));
        var init = (pod.Spec.InitContainers ?? []).Select(c => Of(c, resource)).DefaultIfEmpty(0).Max();
        return Math.Max(containers, init);
    }

    private static int ByPriority(V1Pod a, V1Pod b) => (a.Spec.Priority ?? 0).CompareTo(b.Spec.Priority ?? 0);

    /// <summary>Pods whose usage exceeds their request first; pods with no stats before all.</summary>
    private static Comparison<V1Pod> Exceeds(Func<V1Pod, PodUsage?> stats, string resource, Func<PodUsage, long> used) => (a, b) =>
    {
        var (sa, sb) = (stats(a), stats(b));
        if (sa is null || sb is null)
        {
            return (sb is null).CompareTo(sa is null);
        }

        var ea = used(sa) > Request(a, resource);
        var eb = used(sb) > Request(b, resource);
        return eb.CompareTo(ea);
    };

    /// <summary>The most usage above request first.</summary>
    private static Comparison<V1Pod> AboveRequest(Func<V1Pod, PodUsage?> stats, string resource, Func<PodUsage, long> used) => (a, b) =>
    {
        var (sa, sb) = (stats(a), stats(b));
        if (sa is null || sb is null)
        {
            return (sb is null).CompareTo(sa is null);
        }

        return (used(sb) - Request(b, resource)).CompareTo(used(sa) - Request(a, resource));
    };

    private static Comparison<V1Pod> Chain(params Comparison<V1Pod>[] comparisons) => (a, b) =>
    {
        foreach (var compare in comparisons)
        {
            var c = compare(a, b);
            if (c != 0)
            {
                return c;
            }
        }

        return 0;
    };
}
