using k8s.Models;

namespace Skiff.Scheduler.Framework;

/// <summary>
/// A pod (anti-)affinity term with its namespaces resolved (kube-scheduler's framework.AffinityTerm): an empty
/// namespace list and no namespace selector mean the owning pod's namespace.
/// </summary>
internal sealed class AffinityTerm
{
    public AffinityTerm(V1PodAffinityTerm term, string podNamespace, int weight = 0)
    {
        Selector = term.LabelSelector;
        TopologyKey = term.TopologyKey;
        NamespaceSelector = term.NamespaceSelector;
        Namespaces = term.Namespaces is { Count: > 0 } ns ? new HashSet<string>(ns, StringComparer.Ordinal) : [];
        if (Namespaces.Count == 0 && NamespaceSelector is null)
        {
            Namespaces.Add(podNamespace);
        }

        Weight = weight;
    }

    public V1LabelSelector? Selector { get; }

    public string TopologyKey { get; }

    public HashSet<string> Namespaces { get; }

    /// <summary>Selects namespaces by their labels; an empty selector means every namespace.</summary>
    public V1LabelSelector? NamespaceSelector { get; }

    public int Weight { get; }

    /// <summary>Whether <paramref name="pod"/> is one this term refers to (namespace and labels).</summary>
    public bool Matches(V1Pod pod, Func<string, IDictionary<string, string>?> namespaceLabels)
    {
        var ns = pod.Metadata.NamespaceProperty ?? "";
        var nsOk = Namespaces.Contains(ns)
            || NamespaceSelector is not null && LabelSelectors.Matches(NamespaceSelector, namespaceLabels(ns));
        return nsOk && LabelSelectors.Matches(Selector, pod.Metadata.Labels);
    }
}
