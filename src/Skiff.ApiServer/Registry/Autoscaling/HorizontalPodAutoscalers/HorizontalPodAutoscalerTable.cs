using System.Globalization;
using k8s.Models;
using Skiff.Api.Printing;

namespace Skiff.ApiServer.Registry.Autoscaling.HorizontalPodAutoscalers;

/// <summary>
/// kube-apiserver's horizontalpodautoscaler printer: NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE, with
/// targets like <c>cpu: 12%/80%</c> (formatHPAMetrics: two shown, then "+ N more...").
/// </summary>
internal sealed class HorizontalPodAutoscalerTable : TableConvertor<V2HorizontalPodAutoscaler>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Reference", "string", "scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count."),
        new("Targets", "string", "metrics contains the specifications for which to use to calculate the desired replica count (the maximum replica count across all metrics will be used).  The desired replica count is calculated multiplying the ratio between the target value and the current value by the current number of pods.  Ergo, metrics used must decrease as the pod count is increased, and vice-versa.  See the individual metric source types for more information about how each type of metric must respond."),
        new("MinPods", "string", "minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.  It defaults to 1 pod.  minReplicas is allowed to be 0 if the alpha feature gate HPAScaleToZero is enabled and at least one Object or External metric is configured.  Scaling is active as long as at least one metric value is available."),
        new("MaxPods", "string", "maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up. It cannot be less that minReplicas."),
        new("Replicas", "string", "currentReplicas is current number of replicas of pods managed by this autoscaler, as last seen by the autoscaler."),
        Shared.Columns.Age,
    ];

    public override object?[] Cells(V2HorizontalPodAutoscaler obj, DateTime now) =>
    [
        obj.Metadata.Name,
        $"{obj.Spec?.ScaleTargetRef?.Kind}/{obj.Spec?.ScaleTargetRef?.Name}",
        Targets(obj.Spec?.Metrics, obj.Status?.CurrentMetrics),
        obj.Spec?.MinReplicas is { } min ? min.ToString(CultureInfo.InvariantCulture) : "<unset>",
        (long)(obj.Spec?.MaxReplicas ?? 0),
        (long)(obj.Status?.CurrentReplicas ?? 0),
        HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
    ];

    /// <summary>formatHPAMetrics.</summary>
    internal static string Targets(IList<V2MetricSpec>? specs, IList<V2MetricStatus>? statuses)
    {
        if (specs is null || specs.Count == 0)
        {
            return "<none>";
        }

        const int max = 2;
        var list = new List<string>();
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var status = statuses is not null && statuses.Count > i ? statuses[i] : null;
            list.Add(spec.Type switch
            {
                "External" when spec.External?.Target?.AverageValue is { } avg =>
                    $"{status?.External?.Current?.AverageValue?.ToString() ?? "<unknown>"}/{avg} (avg)",
                "External" => $"{(status?.External is { } e ? Q(e.Current?.Value) : "<unknown>")}/{Q(spec.External?.Target?.Value)}",
                "Pods" => $"{(status?.Pods is { } p ? Q(p.Current?.AverageValue) : "<unknown>")}/{Q(spec.Pods?.Target?.AverageValue)}",
                "Object" when spec.ObjectProperty?.Target?.AverageValue is { } avg =>
                    $"{status?.ObjectProperty?.Current?.AverageValue?.ToString() ?? "<unknown>"}/{avg} (avg)",
                "Object" => $"{(status?.ObjectProperty is { } o ? Q(o.Current?.Value) : "<unknown>")}/{Q(spec.ObjectProperty?.Target?.Value)}",
                "Resource" when spec.Resource?.Target?.AverageValue is { } avg =>
                    $"{spec.Resource.Name}: {(status?.Resource is { } r ? Q(r.Current?.AverageValue) : "<unknown>")}/{avg}",
                "Resource" => $"{spec.Resource?.Name}: {Percent(status?.Resource?.Current?.AverageUtilization, "<unknown>")}/{Percent(spec.Resource?.Target?.AverageUtilization, "<auto>")}",
                "ContainerResource" when spec.ContainerResource?.Target?.AverageValue is { } avg =>
                    $"{spec.ContainerResource.Name}: {(status?.ContainerResource is { } c ? Q(c.Current?.AverageValue) : "<unknown>")}/{avg}",
                "ContainerResource" => $"{spec.ContainerResource?.Name}: {Percent(status?.ContainerResource?.Current?.AverageUtilization, "<unknown>")}/{Percent(spec.ContainerResource?.Target?.AverageUtilization, "<auto>")}",
                _ => "<unknown type>",
            });
        }

        var text = string.Join(", ", list.Take(max));
        return list.Count > max ? $"{text} + {list.Count - max} more..." : text;
    }

    /// <summary>A quantity as Go prints a zero Quantity ("0") when absent.</summary>
    private static string Q(ResourceQuantity? q) => q?.ToString() ?? "0";

    private static string Percent(int? value, string none) => value is { } v ? $"{v}%" : none;
}
