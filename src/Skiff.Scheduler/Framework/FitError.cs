namespace Skiff.Scheduler.Framework;

/// <summary>
/// The message a pod that fits nowhere gets, in kube-scheduler's FitError.Error() form:
/// "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}. preemption: ...".
/// Reasons are counted per node and the "count reason" strings sorted as strings, as Go's sort.Strings does.
/// </summary>
internal static class FitError
{
    /// <summary>kube-scheduler's ErrNoNodesAvailable.</summary>
    public const string NoNodesAvailable = "no nodes available to schedule pods";

    public static string Message(int allNodes, FilterResult result, string? postFilterMessage)
    {
        var message = $"0/{allNodes} nodes are available:";
        if (result.PreFilterStatus is { } pre)
        {
            message += " " + string.Join(", ", pre.Reasons) + ".";
        }
        else
        {
            var histogram = Histogram(result.NodeStatuses.Values);
            if (histogram.Length > 0)
            {
                message += " " + histogram + ".";
            }
        }

        if (!string.IsNullOrEmpty(postFilterMessage))
        {
            message += " " + postFilterMessage;
        }

        return message;
    }

    /// <summary>"1 Insufficient cpu, 2 node(s) were unschedulable": reasons counted over statuses, sorted ordinally.</summary>
    public static string Histogram(IEnumerable<Status> statuses)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var s in statuses)
        {
            foreach (var r in s.Reasons)
            {
                counts[r] = counts.GetValueOrDefault(r) + 1;
            }
        }

        var parts = counts.Select(p => $"{p.Value} {p.Key}").ToList();
        parts.Sort(StringComparer.Ordinal);
        return string.Join(", ", parts);
    }
}
