using k8s.Models;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Cache;

/// <summary>
/// The scheduler's own view of nodes and the pods on them (kube-scheduler's internal/cache), fed by informers
/// and by the scheduler itself: a pod is <em>assumed</em> onto its node the moment it is chosen, so the next
/// cycle already counts it, and confirmed when the informer shows it bound (or forgotten if binding failed).
/// Thread-safe; every change bumps a generation so <see cref="UpdateSnapshot"/> copies only changed nodes.
/// </summary>
internal sealed class SchedulerCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, NodeInfo> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PodState> _pods = new(StringComparer.Ordinal);

    // Pods seen bound to a node the cache does not know yet (the pod informer ran ahead of the node informer).
    private readonly Dictionary<string, List<PodInfo>> _orphans = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IDictionary<string, string>?> _namespaces = new(StringComparer.Ordinal);
    // Nodes changed since the last snapshot update, so a cycle copies only those instead of scanning every node.
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private Snapshot? _lastSnapshot;
    private bool _nodeRemoved;
    private long _generation;
    private bool _namespacesChanged = true;
    private readonly Dictionary<string, int> _imageNodes = new(StringComparer.Ordinal);
    private bool _imagesChanged;

    public int NodeCount
    {
        get
        {
            lock (_lock)
            {
                return _nodes.Count;
            }
        }
    }

    public void AddOrUpdateNode(V1Node node)
    {
        lock (_lock)
        {
            var name = node.Metadata.Name;
            if (_nodes.TryGetValue(name, out var info))
            {
                var before = info.ImageSizes;
                info.SetNode(node);
                if (!ReferenceEquals(before, info.ImageSizes))
                {
                    CountImages(before, -1);
                    CountImages(info.ImageSizes, 1);
                }
            }
            else
            {
                info = new NodeInfo(node);
                CountImages(info.ImageSizes, 1);
                _nodes[name] = info;
                if (_orphans.Remove(name, out var waiting))
                {
                    waiting.ForEach(info.AddPod);
                }
            }

            Touch(info);
        }
    }

    public void RemoveNode(string name)
    {
        lock (_lock)
        {
            if (_nodes.Remove(name, out var info))
            {
                CountImages(info.ImageSizes, -1);
            }

            if (info is { Pods.Count: > 0 })
            {
                // Pods outlive their node object until the pod GC deletes them; keep counting them if it returns.
                _orphans[name] = info.Pods;
            }

            _nodeRemoved = true;
            _generation++;
        }
    }

    public void SetNamespace(string name, IDictionary<string, string>? labels)
    {
        lock (_lock)
        {
            _namespaces[name] = labels;
            _namespacesChanged = true;
        }
    }

    public void RemoveNamespace(string name)
    {
        lock (_lock)
        {
            _namespacesChanged |= _namespaces.Remove(name);
        }
    }

    /// <summary>Counts <paramref name="pod"/> on <paramref name="nodeName"/> before the API knows (kube-scheduler's AssumePod).</summary>
    public void Assume(PodInfo pod, string nodeName)
    {
        lock (_lock)
        {
            RemoveLocked(pod.Uid);
            AddLocked(pod, nodeName, assumed: true);
        }
    }

    /// <summary>Undoes <see cref="Assume"/> after a failed bind (kube-scheduler's ForgetPod).</summary>
    public void Forget(PodInfo pod)
    {
        lock (_lock)
        {
            if (_pods.TryGetValue(pod.Uid, out var s) && s.Assumed)
            {
                RemoveLocked(pod.Uid);
            }
        }
    }

    public bool IsAssumed(string uid)
    {
        lock (_lock)
        {
            return _pods.TryGetValue(uid, out var s) && s.Assumed;
        }
    }

    /// <summary>A pod the informer shows bound: confirms an assumption, or adds/moves it.</summary>
    public void AddOrUpdatePod(V1Pod pod)
    {
        var info = new PodInfo(pod);
        lock (_lock)
        {
            RemoveLocked(info.Uid);
            AddLocked(info, pod.Spec.NodeName, assumed: false);
        }
    }

    public void RemovePod(V1Pod pod)
    {
        lock (_lock)
        {
            RemoveLocked(pod.Metadata.Uid ?? $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}");
        }
    }

    /// <summary>Brings <paramref name="snapshot"/> up to date, copying only node infos changed since its generation.</summary>
    public void UpdateSnapshot(Snapshot snapshot)
    {
        lock (_lock)
        {
            if (snapshot == _lastSnapshot && snapshot.Generation == _generation && !_namespacesChanged && !_imagesChanged)
            {
                return;
            }

            if (snapshot != _lastSnapshot)
            {
                // A snapshot this cache has not fed before: copy everything.
                foreach (var info in _nodes.Values)
                {
                    if (info.Generation > snapshot.Generation || snapshot.Get(info.Name) is null)
                    {
                        snapshot.Set(info.Clone());
                    }
                }

                snapshot.RemoveMissing(_nodes.Keys);
                _lastSnapshot = snapshot;
            }
            else
            {
                foreach (var name in _dirty)
                {
                    if (_nodes.TryGetValue(name, out var info))
                    {
                        snapshot.Set(info.Clone());
                    }
                }

                if (_nodeRemoved)
                {
                    snapshot.RemoveMissing(_nodes.Keys);
                }
            }

            _dirty.Clear();
            _nodeRemoved = false;
            if (_namespacesChanged)
            {
                snapshot.NamespaceLabels = new Dictionary<string, IDictionary<string, string>?>(_namespaces, StringComparer.Ordinal);
                _namespacesChanged = false;
            }

            if (_imagesChanged || snapshot.ImageNodeCounts.Count != _imageNodes.Count)
            {
                snapshot.ImageNodeCounts = new Dictionary<string, int>(_imageNodes, StringComparer.Ordinal);
                _imagesChanged = false;
            }

            snapshot.Generation = _generation;
        }
    }

    private void CountImages(IReadOnlyDictionary<string, long> images, int sign)
    {
        foreach (var image in images.Keys)
        {
            ref var count = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_imageNodes, image, out _);
            count += sign;
            if (count <= 0)
            {
                _imageNodes.Remove(image);
            }

            _imagesChanged = true;
        }
    }

    private void AddLocked(PodInfo pod, string nodeName, bool assumed)
    {
        _pods[pod.Uid] = new PodState(pod, nodeName, assumed);
        if (_nodes.TryGetValue(nodeName, out var info))
        {
            info.AddPod(pod);
            Touch(info);
        }
        else
        {
            if (!_orphans.TryGetValue(nodeName, out var list))
            {
                _orphans[nodeName] = list = [];
            }

            list.Add(pod);
        }
    }

    private void RemoveLocked(string uid)
    {
        if (!_pods.Remove(uid, out var s))
        {
            return;
        }

        if (_nodes.TryGetValue(s.NodeName, out var info))
        {
            info.RemovePod(uid);
            Touch(info);
        }
        else if (_orphans.TryGetValue(s.NodeName, out var list))
        {
            list.RemoveAll(p => p.Uid == uid);
        }
    }

    private void Touch(NodeInfo info)
    {
        info.Generation = ++_generation;
        _dirty.Add(info.Name);
    }

    private sealed record PodState(PodInfo Pod, string NodeName, bool Assumed);
}
