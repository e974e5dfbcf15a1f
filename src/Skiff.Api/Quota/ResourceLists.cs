using k8s.Models;

namespace Skiff.Api.Quota;

/// <summary>
/// Arithmetic on resource lists (name → quantity) as apimachinery's quota helpers do it (Add, Subtract, Mask,
/// LessThanOrEqual): sums keep the format of the left operand, so "1Gi" + "512Mi" prints as "1536Mi", unless the
/// left one is zero, which takes the right one's format (as resource.Quantity's Add and Sub do).
/// Lists are never changed in place; every operation returns a new one.
/// </summary>
public static class ResourceLists
{
    /// <summary>A quantity of <paramref name="value"/> in the given format, printed canonically.</summary>
    public static ResourceQuantity Quantity(decimal value, ResourceQuantity.SuffixFormat format = ResourceQuantity.SuffixFormat.DecimalSI) =>
        new(value, 0, format);

    public static decimal Value(IDictionary<string, ResourceQuantity>? list, string name) =>
        list is not null && list.TryGetValue(name, out var q) && q is not null ? q.ToDecimal() : 0m;

    /// <summary>a + b for every name in either list.</summary>
    public static Dictionary<string, ResourceQuantity> Add(IDictionary<string, ResourceQuantity>? a, IDictionary<string, ResourceQuantity>? b)
    {
        var result = Copy(a);
        foreach (var (name, q) in b ?? new Dictionary<string, ResourceQuantity>())
        {
            result[name] = result.TryGetValue(name, out var have) ? Quantity(have.ToDecimal() + q.ToDecimal(), FormatOf(have, q)) : Copy(q);
        }

        return result;
    }

    /// <summary>a - b for every name in either list; results below zero become zero (SubtractWithNonNegativeResult).</summary>
    public static Dictionary<string, ResourceQuantity> Subtract(IDictionary<string, ResourceQuantity>? a, IDictionary<string, ResourceQuantity>? b)
    {
        var result = Copy(a);
        foreach (var (name, q) in b ?? new Dictionary<string, ResourceQuantity>())
        {
            var format = result.TryGetValue(name, out var have) ? FormatOf(have, q) : q.Format;
            var v = Value(result, name) - q.ToDecimal();
            result[name] = Quantity(v < 0 ? 0 : v, format);
        }

        return result;
    }

    private static ResourceQuantity.SuffixFormat FormatOf(ResourceQuantity left, ResourceQuantity right) =>
        left.ToDecimal() == 0 ? right.Format : left.Format;

    /// <summary>Only the entries whose names are in <paramref name="names"/>.</summary>
    public static Dictionary<string, ResourceQuantity> Mask(IDictionary<string, ResourceQuantity>? list, IEnumerable<string> names)
    {
        var keep = names as ISet<string> ?? names.ToHashSet(StringComparer.Ordinal);
        return (list ?? new Dictionary<string, ResourceQuantity>()).Where(kv => keep.Contains(kv.Key))
            .ToDictionary(kv => kv.Key, kv => Copy(kv.Value), StringComparer.Ordinal);
    }

    public static bool IsZero(IDictionary<string, ResourceQuantity>? list) => list is null || list.Values.All(q => q is null || q.ToDecimal() == 0);

    /// <summary>The names whose quantity in <paramref name="a"/> exceeds the one in <paramref name="b"/> (only names b has).</summary>
    public static List<string> Exceeding(IDictionary<string, ResourceQuantity> a, IDictionary<string, ResourceQuantity> b) =>
        a.Where(kv => b.TryGetValue(kv.Key, out var limit) && kv.Value.ToDecimal() > limit.ToDecimal()).Select(kv => kv.Key).Order(StringComparer.Ordinal).ToList();

    /// <summary>Whether both lists name the same resources with equal amounts.</summary>
    public static bool Equal(IDictionary<string, ResourceQuantity>? a, IDictionary<string, ResourceQuantity>? b)
    {
        a ??= new Dictionary<string, ResourceQuantity>();
        b ??= new Dictionary<string, ResourceQuantity>();
        return a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && other.ToDecimal() == kv.Value.ToDecimal());
    }

    /// <summary>"a=1,b=2" sorted by name, as the quota admission's prettyPrint prints lists in its messages.</summary>
    public static string PrettyPrint(IDictionary<string, ResourceQuantity> list) =>
        string.Join(",", list.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + kv.Value));

    public static Dictionary<string, ResourceQuantity> Copy(IDictionary<string, ResourceQuantity>? list) =>
        (list ?? new Dictionary<string, ResourceQuantity>()).Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => Copy(kv.Value), StringComparer.Ordinal);

    public static ResourceQuantity Copy(ResourceQuantity q) => new(q.ToString());
}
