using k8s.Models;

namespace Skiff.Scheduler.Framework;

/// <summary>
/// The view of the cluster one scheduling cycle works on (kube-scheduler's internal/cache.Snapshot): node
/// infos in a stable order, by name, and the namespaces' labels. Not changed by informers while a cycle runs.
/// </summary>
internal sealed class Snapshot
{
    public Snapshot()
    {
    }

    public Snapshot(IEnumerable<NodeInfo> nodes, IReadOnlyDictionary<string, IDictionary<string, string>?>? namespaceLabels = null)
    {
        foreach (var n in nodes)
        {
            Set(n);
        }

        NamespaceLabels = namespaceLabels ?? new Dictionary<string, IDictionary<string, string>?>();
        var images = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var n in Nodes)
        {
            foreach (var image in n.ImageSizes.Keys)
            {
                images[image] = images.GetValueOrDefault(image) + 1;
            }
        }

        ImageNodeCounts = images;
    }

    public List<NodeInfo> Nodes { get; } = [];

    public Dictionary<string, int> Index { get; } = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, IDictionary<string, string>?> NamespaceLabels { get; set; } = new Dictionary<string, IDictionary<string, string>?>();

    /// <summary>How many nodes have each image (by normalized name), for ImageLocality's spread factor.</summary>
    public IReadOnlyDictionary<string, int> ImageNodeCounts { get; set; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>The cache generation this snapshot reflects.</summary>
    public long Generation { get; set; }

    public NodeInfo? Get(string name) => Index.TryGetValue(name, out var i) ? Nodes[i] : null;

    public IDictionary<string, string>? LabelsOfNamespace(string ns) => NamespaceLabels.GetValueOrDefault(ns);

    /// <summary>
    /// <see cref="LabelsOfNamespace"/> as one delegate: affinity terms take a lookup, and passing the method group
    /// allocated a delegate per term match (millions per second under pod anti-affinity).
    /// </summary>
    public Func<string, IDictionary<string, string>?> NamespaceLabelsOf => _namespaceLabelsOf ??= LabelsOfNamespace;

    private Func<string, IDictionary<string, string>?>? _namespaceLabelsOf;

    /// <summary>Adds or replaces a node info, keeping its position.</summary>
    public void Set(NodeInfo node)
    {
        if (Index.TryGetValue(node.Name, out var i))
        {
            Nodes[i] = node;
        }
        else
        {
            Index[node.Name] = Nodes.Count;
            Nodes.Add(node);
        }
    }

    /// <summary>Removes nodes whose names are not in <paramref name="live"/>.</summary>
    public void RemoveMissing(ICollection<string> live)
    {
        if (Nodes.Count == live.Count && Nodes.TrueForAll(n => live.Contains(n.Name)))
        {
            return;
        }

        var kept = Nodes.Where(n => live.Contains(n.Name)).ToList();
        Nodes.Clear();
        Index.Clear();
        foreach (var n in kept)
        {
            Set(n);
        }
    }

    /// <summary>Every pod on every node (assumed ones included).</summary>
    public IEnumerable<(PodInfo Pod, NodeInfo Node)> AllPods() => Nodes.SelectMany(n => n.Pods.Select(p => (p, n)));

    public static string? NodeLabel(V1Node node, string key) => node.Metadata.Labels?.TryGetValue(key, out var v) == true ? v : null;
}
