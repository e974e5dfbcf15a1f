using System.Globalization;
using System.Text;

namespace Skiff.Controllers.Job;

/// <summary>
/// A set of completion indexes kept as sorted, non-overlapping intervals, in the text form of
/// status.completedIndexes (<c>1,3-5,7</c>), like kube-controller-manager's orderedIntervals.
/// Immutable: every operation returns a new set.
/// </summary>
internal sealed class CompletionIndexes
{
    public static readonly CompletionIndexes Empty = new([]);

    private readonly List<(int First, int Last)> _intervals;

    private CompletionIndexes(List<(int First, int Last)> intervals) => _intervals = intervals;

    /// <summary>
    /// Reads status.completedIndexes, ignoring malformed parts and indexes at or above <paramref name="completions"/>
    /// (completions can shrink for elastic indexed jobs), as parseIndexesFromString does.
    /// </summary>
    public static CompletionIndexes Parse(string? text, int completions)
    {
        var indexes = new List<int>();
        foreach (var part in (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-');
            if (dash < 0)
            {
                if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var one) && one < completions)
                {
                    indexes.Add(one);
                }
            }
            else if (int.TryParse(part[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                && int.TryParse(part[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
                && first <= last)
            {
                for (var i = first; i <= Math.Min(last, completions - 1); i++)
                {
                    indexes.Add(i);
                }
            }
        }

        return Empty.With(indexes);
    }

    /// <summary>The set with <paramref name="indexes"/> added.</summary>
    public CompletionIndexes With(IEnumerable<int> indexes)
    {
        var all = new SortedSet<int>(indexes);
        if (all.Count == 0)
        {
            return this;
        }

        foreach (var (first, last) in _intervals)
        {
            for (var i = first; i <= last; i++)
            {
                all.Add(i);
            }
        }

        var result = new List<(int First, int Last)>();
        foreach (var i in all)
        {
            if (result.Count > 0 && result[^1].Last + 1 == i)
            {
                result[^1] = (result[^1].First, i);
            }
            else
            {
                result.Add((i, i));
            }
        }

        return new CompletionIndexes(result);
    }

    public bool Contains(int index) => _intervals.Any(r => r.First <= index && index <= r.Last);

    /// <summary>How many indexes the set holds.</summary>
    public int Total => _intervals.Sum(r => r.Last - r.First + 1);

    public IEnumerable<int> All() => _intervals.SelectMany(r => Enumerable.Range(r.First, r.Last - r.First + 1));

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var (first, last) in _intervals)
        {
            if (sb.Length > 0)
            {
                sb.Append(',');
            }

            sb.Append(first.ToString(CultureInfo.InvariantCulture));
            if (last > first)
            {
                // Two neighbours print as "1,2", longer runs as "1-3", as orderedIntervals.String does.
                sb.Append(last == first + 1 ? ',' : '-').Append(last.ToString(CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }
}
