using k8s.Models;

namespace Skiff.Scheduler.Framework;

/// <summary>
/// A node with the pods on it and their totals (kube-scheduler's framework.NodeInfo). The cache mutates its
/// own copies and bumps <see cref="Generation"/>; a scheduling cycle reads clones in the <see cref="Snapshot"/>.
/// </summary>
internal sealed class NodeInfo
{
    public NodeInfo(V1Node node)
    {
        SetNode(node);
    }

    private NodeInfo()
    {
        Node = null!;
        Allocatable = null!;
    }

    public V1Node Node { get; private set; }

    public string Name => Node.Metadata.Name;

    public Resource Allocatable { get; private set; }

    public List<PodInfo> Pods { get; private set; } = [];

    /// <summary>Sum of the pods' effective requests.</summary>
    public Resource Requested { get; private set; } = new();

    /// <summary>Sum of the pods' requests with defaults for missing cpu/memory, for scoring.</summary>
    public Resource NonZeroRequested { get; private set; } = new();

    public List<HostPort> UsedPorts { get; private set; } = [];

    /// <summary>Pods with any (anti-)affinity; InterPodAffinity scores against these.</summary>
    public int PodsWithAffinity { get; private set; }

    /// <summary>Pods with required anti-affinity, which every incoming pod must respect.</summary>
    public int PodsWithRequiredAntiAffinity { get; private set; }

    public long Generation { get; set; }

    /// <summary>The node's images (status.images) by normalized name, with their sizes in bytes.</summary>
    public IReadOnlyDictionary<string, long> ImageSizes { get; private set; } = EmptyImages;

    private static readonly Dictionary<string, long> EmptyImages = new(StringComparer.Ordinal);

    /// <summary>kube-scheduler's normalizedImageName: a name without a tag or digest means ":latest".</summary>
    public static string NormalizeImage(string name) => name.LastIndexOf(':') <= name.LastIndexOf('/') && !name.Contains('@') ? name + ":latest" : name;

    [System.Diagnostics.CodeAnalysis.MemberNotNull(nameof(Node), nameof(Allocatable))]
    public void SetNode(V1Node node)
    {
        Node = node;
        Allocatable = Resource.From(node.Status?.Allocatable ?? node.Status?.Capacity);
        if (node.Status?.Images is { Count: > 0 } images)
        {
            var sizes = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var image in images)
            {
                foreach (var name in image.Names ?? [])
                {
                    sizes[NormalizeImage(name)] = image.SizeBytes ?? 0;
                }
            }

            ImageSizes = sizes;
        }
        else
        {
            ImageSizes = EmptyImages;
        }
    }

    public void AddPod(PodInfo pod)
    {
        Pods.Add(pod);
        Account(pod, 1);
    }

    public bool RemovePod(string uid)
    {
        var i = Pods.FindIndex(p => p.Uid == uid);
        if (i < 0)
        {
            return false;
        }

        var pod = Pods[i];
        Pods.RemoveAt(i);
        Account(pod, -1);
        return true;
    }

    public NodeInfo Clone() => new()
    {
        Node = Node,
        Allocatable = Allocatable,
        ImageSizes = ImageSizes,
        Pods = [.. Pods],
        Requested = Requested.Clone(),
        NonZeroRequested = NonZeroRequested.Clone(),
        UsedPorts = [.. UsedPorts],
        PodsWithAffinity = PodsWithAffinity,
        PodsWithRequiredAntiAffinity = PodsWithRequiredAntiAffinity,
        Generation = Generation,
    };

    private void Account(PodInfo pod, int sign)
    {
        Requested.Add(pod.Requests, sign);
        NonZeroRequested.MilliCpu += sign * pod.NonZeroRequests.MilliCpu;
        NonZeroRequested.MemoryBytes += sign * pod.NonZeroRequests.MemoryBytes;
        foreach (var port in pod.HostPorts)
        {
            if (sign > 0)
            {
                UsedPorts.Add(port);
            }
            else
            {
                UsedPorts.Remove(port);
            }
        }

        if (pod.HasAffinity)
        {
            PodsWithAffinity += sign;
        }

        if (pod.RequiredAntiAffinity.Length > 0)
        {
            PodsWithRequiredAntiAffinity += sign;
        }
    }
}
