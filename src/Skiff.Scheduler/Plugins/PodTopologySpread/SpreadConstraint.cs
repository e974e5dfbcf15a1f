using k8s.Models;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins.PodTopologySpread;

/// <summary>A topology spread constraint with its selector completed by matchLabelKeys (kube-scheduler's topologySpreadConstraint).</summary>
internal sealed class SpreadConstraint
{
    public SpreadConstraint(V1TopologySpreadConstraint c, V1Pod pod)
    {
        MaxSkew = c.MaxSkew;
        TopologyKey = c.TopologyKey;
        MinDomains = c.MinDomains ?? 1;
        HonorNodeAffinity = c.NodeAffinityPolicy != "Ignore";
        HonorTaints = c.NodeTaintsPolicy == "Honor";
        var selector = c.LabelSelector ?? new V1LabelSelector();
        if (c.MatchLabelKeys is { Count: > 0 } keys && pod.Metadata.Labels is { } labels)
        {
            // matchLabelKeys: the pod's own values for these keys are ANDed into the selector.
            var expressions = new List<V1LabelSelectorRequirement>(selector.MatchExpressions ?? []);
            foreach (var key in keys)
            {
                if (labels.TryGetValue(key, out var v))
                {
                    expressions.Add(new V1LabelSelectorRequirement { Key = key, OperatorProperty = "In", Values = [v] });
                }
            }

            selector = new V1LabelSelector { MatchLabels = selector.MatchLabels, MatchExpressions = expressions };
        }

        Selector = c.LabelSelector is null ? null : selector;
    }

    public int MaxSkew { get; }

    public string TopologyKey { get; }

    public int MinDomains { get; }

    public bool HonorNodeAffinity { get; }

    public bool HonorTaints { get; }

    /// <summary>Null when the constraint has no selector: it then matches no pod.</summary>
    public V1LabelSelector? Selector { get; }

    public bool Matches(V1Pod pod) => LabelSelectors.Matches(Selector, pod.Metadata.Labels);
}
