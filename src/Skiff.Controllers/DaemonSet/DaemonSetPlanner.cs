using k8s.Models;
using Skiff.Controllers.Common;
using Skiff.Controllers.Deployment;

namespace Skiff.Controllers.DaemonSet;

/// <summary>
/// The DaemonSet controller's decisions as pure functions of the DaemonSet, the nodes and the pods per node:
/// kube-controller-manager's manage/podsShouldBeOnNode, rollingUpdate and updateDaemonSetStatus.
/// </summary>
internal static class DaemonSetPlanner
{
    /// <summary>Groups claimed pods by their target node, leaving out terminal pods already being deleted (nothing left to do with them).</summary>
    public static Dictionary<string, List<V1Pod>> NodeToPods(IEnumerable<V1Pod> pods)
    {
        var map = new Dictionary<string, List<V1Pod>>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            if (Pods.IsTerminal(pod) && pod.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            if (DaemonPods.TargetNode(pod) is { } node)
            {
                if (!map.TryGetValue(node, out var list))
                {
                    map[node] = list = [];
                }

                list.Add(pod);
            }
        }

        foreach (var list in map.Values)
        {
            list.Sort(ByCreationAndPhase);
        }

        return map;
    }

    /// <summary>podByCreationTimestampAndPhase: older first; at equal age a Running pod before a Pending one.</summary>
    public static int ByCreationAndPhase(V1Pod a, V1Pod b)
    {
        var byTime = (a.Metadata.CreationTimestamp ?? DateTime.MinValue).CompareTo(b.Metadata.CreationTimestamp ?? DateTime.MinValue);
        if (byTime != 0)
        {
            return byTime;
        }

        var byPhase = (a.Status?.Phase == "Running" ? 0 : 1).CompareTo(b.Status?.Phase == "Running" ? 0 : 1);
        return byPhase != 0 ? byPhase : string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name);
    }

    public static bool AllowsSurge(V1DaemonSet ds) =>
        ds.Spec?.UpdateStrategy?.Type != "OnDelete" && DeploymentUtil.Scaled(ds.Spec?.UpdateStrategy?.RollingUpdate?.MaxSurge, 1, true, 0) > 0;

    /// <summary>
    /// manage: a pod on every node that should run one and has none; failed pods and pods on nodes that no longer
    /// qualify are deleted; duplicates are trimmed to the oldest (with surge, the oldest updated and the oldest old pod,
    /// the old one going once the updated one is available).
    /// </summary>
    public static DaemonSetPlan Manage(V1DaemonSet ds, IEnumerable<V1Node> nodes, Dictionary<string, List<V1Pod>> nodeToPods, string hash, DateTimeOffset now)
    {
        var create = new List<string>();
        var delete = new List<V1Pod>();
        var failed = new List<V1Pod>();
        var minReady = ds.Spec?.MinReadySeconds ?? 0;
        var surge = AllowsSurge(ds);
        var generation = DaemonPods.TemplateGeneration(ds);
        foreach (var node in nodes)
        {
            var (shouldRun, shouldContinue) = DaemonPods.ShouldRun(node, ds);
            var pods = nodeToPods.GetValueOrDefault(node.Metadata.Name) ?? [];
            if (shouldRun && pods.Count == 0)
            {
                create.Add(node.Metadata.Name);
                continue;
            }

            if (!shouldContinue)
            {
                delete.AddRange(pods.Where(p => p.Metadata.DeletionTimestamp is null));
                continue;
            }

            var running = new List<V1Pod>();
            foreach (var pod in pods)
            {
                if (pod.Metadata.DeletionTimestamp is not null)
                {
                    continue;
                }

                if (pod.Status?.Phase == "Failed")
                {
                    // A failed daemon pod is replaced: deleted (subject to the controller's backoff), recreated on the next sync.
                    failed.Add(pod);
                }
                else if (pod.Status?.Phase == "Succeeded")
                {
                    delete.Add(pod);
                }
                else
                {
                    running.Add(pod);
                }
            }

            if (surge)
            {
                V1Pod? oldestNew = null, oldestOld = null;
                foreach (var pod in running)
                {
                    if (DaemonPods.IsUpdated(pod, hash, generation))
                    {
                        if (oldestNew is null)
                        {
                            oldestNew = pod;
                            continue;
                        }
                    }
                    else if (oldestOld is null)
                    {
                        oldestOld = pod;
                        continue;
                    }

                    delete.Add(pod);
                }

                if (oldestNew is not null && oldestOld is not null &&
                    (!Pods.IsReady(oldestOld) || Pods.IsAvailable(oldestNew, minReady, now)))
                {
                    delete.Add(oldestOld);
                }
            }
            else if (running.Count > 1)
            {
                // Keep the oldest; the rest are duplicates.
                delete.AddRange(running.Skip(1));
            }
        }

        return new DaemonSetPlan(create, delete, failed);
    }

    /// <summary>updatedDesiredNodeCounts: how many nodes want the pod, and maxSurge/maxUnavailable scaled to that number (both rounded up; 1 unavailable if both are 0).</summary>
    public static (int Desired, int MaxSurge, int MaxUnavailable) DesiredCounts(V1DaemonSet ds, IEnumerable<V1Node> nodes, Dictionary<string, List<V1Pod>> nodeToPods)
    {
        var desired = 0;
        foreach (var node in nodes)
        {
            if (DaemonPods.ShouldRun(node, ds).ShouldRun)
            {
                desired++;
                if (!nodeToPods.ContainsKey(node.Metadata.Name))
                {
                    // An empty entry, so that a node still waiting for its pod counts as unavailable.
                    nodeToPods[node.Metadata.Name] = [];
                }
            }
        }

        var ru = ds.Spec?.UpdateStrategy?.RollingUpdate;
        var maxSurge = DeploymentUtil.Scaled(ru?.MaxSurge, desired, true, 0);
        var maxUnavailable = DeploymentUtil.Scaled(ru?.MaxUnavailable, desired, true, 1);
        if (maxSurge == 0 && maxUnavailable == 0)
        {
            maxUnavailable = 1;
        }

        return (desired, maxSurge, maxUnavailable);
    }

    /// <summary>
    /// rollingUpdate: without surge, old pods are deleted (unavailable ones at once, available ones while fewer than
    /// maxUnavailable nodes are unavailable) and manage recreates them; with surge, an updated pod is created beside
    /// the old one on up to maxSurge nodes and the old one goes once the new one is available.
    /// </summary>
    public static DaemonSetPlan RollingUpdate(V1DaemonSet ds, IEnumerable<V1Node> nodes, Dictionary<string, List<V1Pod>> nodeToPods, string hash, DateTimeOffset now)
    {
        var (_, maxSurge, maxUnavailable) = DesiredCounts(ds, nodes, nodeToPods);
        var minReady = ds.Spec?.MinReadySeconds ?? 0;
        var generation = DaemonPods.TemplateGeneration(ds);
        var delete = new List<V1Pod>();
        var create = new List<string>();
        if (maxSurge == 0)
        {
            var numUnavailable = 0;
            var allowed = new List<V1Pod>();
            var candidates = new List<V1Pod>();
            foreach (var (_, pods) in nodeToPods.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var (newPod, oldPod, ok) = FindUpdated(pods, hash, generation);
                if (!ok)
                {
                    numUnavailable++;
                    continue;
                }

                if ((oldPod is null && newPod is null) || (oldPod is not null && newPod is not null))
                {
                    // manage creates or trims this node's pods; until then it counts as unavailable.
                    numUnavailable++;
                }
                else if (newPod is not null)
                {
                    if (!Pods.IsAvailable(newPod, minReady, now))
                    {
                        numUnavailable++;
                    }
                }
                else if (!Pods.IsAvailable(oldPod!, minReady, now))
                {
                    // An old pod that is not available is replaced whatever the budget; it already counts as unavailable.
                    allowed.Add(oldPod!);
                    numUnavailable++;
                }
                else if (numUnavailable < maxUnavailable)
                {
                    candidates.Add(oldPod!);
                }
            }

            var remaining = Math.Clamp(maxUnavailable - numUnavailable, 0, candidates.Count);
            delete.AddRange(allowed);
            delete.AddRange(candidates.Take(remaining));
        }
        else
        {
            var numSurge = 0;
            var allowedNodes = new List<string>();
            var candidateNodes = new List<string>();
            foreach (var (node, pods) in nodeToPods.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var (newPod, oldPod, ok) = FindUpdated(pods, hash, generation);
                if (!ok)
                {
                    numSurge++;
                    continue;
                }

                if (oldPod is null)
                {
                    continue;
                }

                if (newPod is null)
                {
                    if (!Pods.IsAvailable(oldPod, minReady, now))
                    {
                        allowedNodes.Add(node);
                    }
                    else
                    {
                        candidateNodes.Add(node);
                    }
                }
                else if (!Pods.IsAvailable(newPod, minReady, now))
                {
                    numSurge++;
                }
                else
                {
                    delete.Add(oldPod);
                }
            }

            var remaining = Math.Clamp(maxSurge - numSurge, 0, candidateNodes.Count);
            create.AddRange(allowedNodes);
            create.AddRange(candidateNodes.Take(remaining));
        }

        return new DaemonSetPlan(create, delete, []);
    }

    /// <summary>findUpdatedPodsOnNode: at most one updated and one old live pod; more than that is not ok (manage trims it first).</summary>
    private static (V1Pod? New, V1Pod? Old, bool Ok) FindUpdated(List<V1Pod> pods, string hash, long? generation)
    {
        V1Pod? newPod = null, oldPod = null;
        foreach (var pod in pods)
        {
            if (pod.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            if (DaemonPods.IsUpdated(pod, hash, generation))
            {
                if (newPod is not null)
                {
                    return (null, null, false);
                }

                newPod = pod;
            }
            else
            {
                if (oldPod is not null)
                {
                    return (null, null, false);
                }

                oldPod = pod;
            }
        }

        return (newPod, oldPod, true);
    }

    /// <summary>updateDaemonSetStatus's counts, read from the oldest pod on each node.</summary>
    public static V1DaemonSetStatus Status(V1DaemonSet ds, IEnumerable<V1Node> nodes, Dictionary<string, List<V1Pod>> nodeToPods, string hash, DateTimeOffset now)
    {
        int desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
        var minReady = ds.Spec?.MinReadySeconds ?? 0;
        var generation = DaemonPods.TemplateGeneration(ds);
        foreach (var node in nodes)
        {
            var shouldRun = DaemonPods.ShouldRun(node, ds).ShouldRun;
            var pods = nodeToPods.GetValueOrDefault(node.Metadata.Name) ?? [];
            if (!shouldRun)
            {
                if (pods.Count > 0)
                {
                    misscheduled++;
                }

                continue;
            }

            desired++;
            if (pods.Count == 0)
            {
                continue;
            }

            current++;
            var pod = pods[0];
            if (Pods.IsReady(pod))
            {
                ready++;
                if (Pods.IsAvailable(pod, minReady, now))
                {
                    available++;
                }
            }

            if (DaemonPods.IsUpdated(pod, hash, generation))
            {
                updated++;
            }
        }

        return new V1DaemonSetStatus
        {
            DesiredNumberScheduled = desired,
            CurrentNumberScheduled = current,
            NumberMisscheduled = misscheduled,
            NumberReady = ready,
            NumberAvailable = available,
            UpdatedNumberScheduled = updated,
            NumberUnavailable = desired - available,
            ObservedGeneration = ds.Metadata.Generation,
            CollisionCount = ds.Status?.CollisionCount,
            Conditions = ds.Status?.Conditions,
        };
    }
}
