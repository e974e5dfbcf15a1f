using k8s.Models;

namespace Skiff.ApiServer.Registry;

/// <summary>Renders a metav1.LabelSelector as selector text (apimachinery's LabelSelectorAsSelector(...).String()).</summary>
internal static class LabelSelectorText
{
    public static string Format(V1LabelSelector? selector)
    {
        if (selector is null)
        {
            return string.Empty;
        }

        var parts = new List<(string Key, string Text)>();
        foreach (var (k, v) in selector.MatchLabels ?? new Dictionary<string, string>())
        {
            parts.Add((k, $"{k}={v}"));
        }

        foreach (var e in selector.MatchExpressions ?? [])
        {
            var values = string.Join(",", (e.Values ?? []).Order(StringComparer.Ordinal));
            parts.Add((e.Key, e.OperatorProperty switch
            {
                "In" => $"{e.Key} in ({values})",
                "NotIn" => $"{e.Key} notin ({values})",
                "Exists" => e.Key,
                "DoesNotExist" => "!" + e.Key,
                _ => $"{e.Key} {e.OperatorProperty} ({values})",
            }));
        }

        return string.Join(",", parts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Text));
    }
}
