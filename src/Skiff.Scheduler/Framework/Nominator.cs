using k8s.Models;

namespace Skiff.Scheduler.Framework;

/// <summary>
/// Pods nominated to a node by preemption (status.nominatedNodeName) that are not bound yet (kube-scheduler's
/// nominator). Filter counts nominated pods of equal or higher priority on a node as if they were there, so the
/// room preemption freed for them is not taken by a lower-priority pod meanwhile. Thread-safe.
/// </summary>
internal sealed class Nominator
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<PodInfo>> _byNode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _nodeOf = new(StringComparer.Ordinal);

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _nodeOf.Count;
            }
        }
    }

    /// <summary>Records (or moves) the pod's nomination; an empty node name removes it.</summary>
    public void Nominate(PodInfo pod, string? nodeName)
    {
        lock (_lock)
        {
            RemoveLocked(pod.Uid);
            if (string.IsNullOrEmpty(nodeName))
            {
                return;
            }

            if (!_byNode.TryGetValue(nodeName, out var list))
            {
                _byNode[nodeName] = list = [];
            }

            list.Add(pod);
            _nodeOf[pod.Uid] = nodeName;
        }
    }

    /// <summary>Follows the informer: an unassigned pod's status.nominatedNodeName; bound or deleted pods drop out.</summary>
    public void Update(V1Pod pod, bool deletedOrAssigned)
    {
        var uid = pod.Metadata.Uid ?? $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";
        if (deletedOrAssigned)
        {
            Remove(uid);
            return;
        }

        var nominated = pod.Status?.NominatedNodeName;
        lock (_lock)
        {
            if (string.IsNullOrEmpty(nominated))
            {
                // The API may lag behind our own nomination: only an explicit move replaces it.
                return;
            }

            if (_nodeOf.TryGetValue(uid, out var current) && current == nominated)
            {
                return;
            }
        }

        Nominate(new PodInfo(pod), nominated);
    }

    public void Remove(string uid)
    {
        lock (_lock)
        {
            RemoveLocked(uid);
        }
    }

    public string? NodeOf(string uid)
    {
        lock (_lock)
        {
            return _nodeOf.GetValueOrDefault(uid);
        }
    }

    /// <summary>The nominated pods on the node that <paramref name="pod"/> must leave room for: equal or higher priority, not itself.</summary>
    public List<PodInfo>? ToRespect(PodInfo pod, string nodeName)
    {
        lock (_lock)
        {
            if (!_byNode.TryGetValue(nodeName, out var list))
            {
                return null;
            }

            List<PodInfo>? result = null;
            foreach (var p in list)
            {
                if (p.Priority >= pod.Priority && p.Uid != pod.Uid)
                {
                    (result ??= []).Add(p);
                }
            }

            return result;
        }
    }

    private void RemoveLocked(string uid)
    {
        if (_nodeOf.Remove(uid, out var node) && _byNode.TryGetValue(node, out var list))
        {
            list.RemoveAll(p => p.Uid == uid);
            if (list.Count == 0)
            {
                _byNode.Remove(node);
            }
        }
    }
}
