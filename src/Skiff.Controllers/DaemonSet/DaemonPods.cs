using System.Globalization;
using k8s.Models;
using Skiff.Controllers.Common;
using Skiff.Controllers.History;

namespace Skiff.Controllers.DaemonSet;

/// <summary>
/// Which nodes a DaemonSet's pods belong on and what those pods look like, after kube-controller-manager's
/// daemonset util (NodeShouldRunDaemonPod, AddOrUpdateDaemonPodTolerations, ReplaceDaemonSetPodNodeNameNodeAffinity).
/// </summary>
internal static class DaemonPods
{
    public const string TemplateGenerationLabel = "pod-template-generation";
    public const string TemplateGenerationAnnotation = "deprecated.daemonset.template.generation";

    /// <summary>
    /// The tolerations every daemon pod gets, so that it keeps running on not-ready, unreachable, pressured and
    /// cordoned nodes; network-unavailable only for hostNetwork pods (which need no pod network).
    /// </summary>
    public static void AddDaemonTolerations(V1PodSpec spec)
    {
        var tolerations = spec.Tolerations ?? [];
        void Add(string key, string effect)
        {
            if (!tolerations.Any(t => t.Key == key && t.Effect == effect && t.OperatorProperty == "Exists" && t.TolerationSeconds is null))
            {
                // AddOrUpdateTolerationInPodSpec: a toleration of the same key and effect is replaced.
                tolerations = [.. tolerations.Where(t => !(t.Key == key && t.Effect == effect))];
                tolerations.Add(new V1Toleration { Key = key, OperatorProperty = "Exists", Effect = effect });
            }
        }

        Add("node.kubernetes.io/not-ready", "NoExecute");
        Add("node.kubernetes.io/unreachable", "NoExecute");
        Add("node.kubernetes.io/disk-pressure", "NoSchedule");
        Add("node.kubernetes.io/memory-pressure", "NoSchedule");
        Add("node.kubernetes.io/pid-pressure", "NoSchedule");
        Add("node.kubernetes.io/unschedulable", "NoSchedule");
        if (spec.HostNetwork == true)
        {
            Add("node.kubernetes.io/network-unavailable", "NoSchedule");
        }

        spec.Tolerations = tolerations;
    }

    /// <summary>
    /// NodeShouldRunDaemonPod: <c>ShouldRun</c> when a new daemon pod belongs on the node (nodeName, nodeSelector,
    /// required node affinity, NoSchedule and NoExecute taints all allow it); <c>ShouldContinueRunning</c> when an
    /// existing one may stay (an untolerated NoSchedule taint does not evict, a NoExecute one does).
    /// </summary>
    public static (bool ShouldRun, bool ShouldContinueRunning) ShouldRun(V1Node node, V1DaemonSet ds)
    {
        var spec = Objects.Clone(ds.Spec?.Template?.Spec ?? new V1PodSpec());
        AddDaemonTolerations(spec);
        if (!string.IsNullOrEmpty(spec.NodeName) && spec.NodeName != node.Metadata.Name)
        {
            return (false, false);
        }

        if (!NodeSelectorMatches(spec, node))
        {
            return (false, false);
        }

        var shouldRun = true;
        foreach (var taint in node.Spec?.Taints ?? [])
        {
            if (taint.Effect is not ("NoSchedule" or "NoExecute") || Tolerated(spec.Tolerations, taint))
            {
                continue;
            }

            if (taint.Effect == "NoExecute")
            {
                return (false, false);
            }

            shouldRun = false;
        }

        return (shouldRun, true);
    }

    /// <summary>The pod's nodeSelector and required node affinity against the node (component-helpers' nodeaffinity).</summary>
    public static bool NodeSelectorMatches(V1PodSpec spec, V1Node node)
    {
        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        if (spec.NodeSelector is { } selector && !selector.All(p => labels.TryGetValue(p.Key, out var v) && v == p.Value))
        {
            return false;
        }

        var required = spec.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution;
        return required is null || (required.NodeSelectorTerms?.Any(t => TermMatches(t, node)) ?? false);
    }

    private static bool TermMatches(V1NodeSelectorTerm term, V1Node node)
    {
        var hasExpressions = term.MatchExpressions is { Count: > 0 };
        var hasFields = term.MatchFields is { Count: > 0 };
        if (!hasExpressions && !hasFields)
        {
            // An empty term matches no objects.
            return false;
        }

        var labels = node.Metadata.Labels ?? new Dictionary<string, string>();
        if (hasExpressions && !term.MatchExpressions!.All(r => RequirementMatches(r, labels.TryGetValue(r.Key, out var v) ? v : null)))
        {
            return false;
        }

        // metadata.name is the only node field a selector may use.
        return !hasFields || term.MatchFields!.All(r => r.Key == "metadata.name" && RequirementMatches(r, node.Metadata.Name));
    }

    private static bool RequirementMatches(V1NodeSelectorRequirement r, string? value) => r.OperatorProperty switch
    {
        "In" => value is not null && (r.Values ?? []).Contains(value),
        "NotIn" => value is null || !(r.Values ?? []).Contains(value),
        "Exists" => value is not null,
        "DoesNotExist" => value is null,
        "Gt" => value is not null && r.Values is [var g] && long.TryParse(value, CultureInfo.InvariantCulture, out var gv) && long.TryParse(g, CultureInfo.InvariantCulture, out var gl) && gv > gl,
        "Lt" => value is not null && r.Values is [var l] && long.TryParse(value, CultureInfo.InvariantCulture, out var lv) && long.TryParse(l, CultureInfo.InvariantCulture, out var ll) && lv < ll,
        _ => false,
    };

    /// <summary>Toleration.ToleratesTaint over a list.</summary>
    public static bool Tolerated(IList<V1Toleration>? tolerations, V1Taint taint) => tolerations?.Any(t =>
        (string.IsNullOrEmpty(t.Effect) || t.Effect == taint.Effect) &&
        (string.IsNullOrEmpty(t.Key) || t.Key == taint.Key) &&
        t.OperatorProperty switch
        {
            "Exists" => true,
            null or "" or "Equal" => (t.Value ?? "") == (taint.Value ?? ""),
            _ => false,
        }) == true;

    /// <summary>The node a daemon pod is for: its spec.nodeName once bound, else the node its affinity pins it to.</summary>
    public static string? TargetNode(V1Pod pod)
    {
        if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            return pod.Spec.NodeName;
        }

        var terms = pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.NodeSelectorTerms;
        foreach (var term in terms ?? [])
        {
            foreach (var field in term.MatchFields ?? [])
            {
                if (field is { Key: "metadata.name", OperatorProperty: "In", Values: [var name] })
                {
                    return name;
                }
            }
        }

        return null;
    }

    public static long? TemplateGeneration(V1DaemonSet ds) =>
        long.TryParse(Objects.Annotation(ds.Metadata, TemplateGenerationAnnotation), NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : null;

    /// <summary>IsPodUpdated: the pod carries the current revision's hash (or, from older controllers, the template generation).</summary>
    public static bool IsUpdated(V1Pod pod, string hash, long? generation)
    {
        var labels = pod.Metadata.Labels;
        if (labels is null)
        {
            return false;
        }

        return (labels.TryGetValue(ControllerHistory.RevisionHashLabel, out var h) && h == hash) ||
            (generation is { } g && labels.TryGetValue(TemplateGenerationLabel, out var gl) && gl == g.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// A daemon pod for <paramref name="nodeName"/>: the template with the daemon tolerations, the revision labels,
    /// and required node affinity pinning it to the node, so the scheduler (not this controller) binds it.
    /// </summary>
    public static V1Pod NewPod(V1DaemonSet ds, string nodeName, string hash)
    {
        var template = Objects.Clone(ds.Spec?.Template ?? new V1PodTemplateSpec());
        template.Metadata ??= new V1ObjectMeta();
        template.Metadata.Labels ??= new Dictionary<string, string>();
        template.Metadata.Labels[ControllerHistory.RevisionHashLabel] = hash;
        if (TemplateGeneration(ds) is { } generation)
        {
            template.Metadata.Labels[TemplateGenerationLabel] = generation.ToString(CultureInfo.InvariantCulture);
        }

        template.Spec ??= new V1PodSpec();
        AddDaemonTolerations(template.Spec);
        PinToNode(template.Spec, nodeName);
        return PodTemplates.NewPod(template, ds.Metadata.NamespaceProperty, ds.Metadata.Name, Objects.ControllerRef(ds, "apps/v1", "DaemonSet"));
    }

    /// <summary>ReplaceDaemonSetPodNodeNameNodeAffinity: every required term's matchFields become <c>metadata.name In [node]</c>.</summary>
    private static void PinToNode(V1PodSpec spec, string nodeName)
    {
        var field = new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = [nodeName] };
        spec.Affinity ??= new V1Affinity();
        spec.Affinity.NodeAffinity ??= new V1NodeAffinity();
        var required = spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution;
        if (required?.NodeSelectorTerms is not { Count: > 0 } terms)
        {
            spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
            {
                NodeSelectorTerms = [new V1NodeSelectorTerm { MatchFields = [field] }],
            };
            return;
        }

        // The node already matched the terms' expressions; only the field part is replaced.
        foreach (var term in terms)
        {
            term.MatchFields = [field];
        }
    }
}
