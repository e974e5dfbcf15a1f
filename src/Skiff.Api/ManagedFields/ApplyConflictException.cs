namespace Skiff.Api.ManagedFields;

/// <summary>
/// An apply that would change fields other managers own, without force. The message follows kube-apiserver:
/// <c>Apply failed with 1 conflict: conflict with "x" using apps/v1: .spec.replicas</c>.
/// </summary>
public sealed class ApplyConflictException(IReadOnlyList<FieldConflict> conflicts) : Exception(Format(conflicts))
{
    public IReadOnlyList<FieldConflict> Conflicts { get; } = conflicts;

    private static string Format(IReadOnlyList<FieldConflict> c)
    {
        if (c.Count == 1)
        {
            return $"Apply failed with 1 conflict: conflict with {c[0].Manager}: {c[0].Path}";
        }

        var lines = new List<string>();
        foreach (var group in c.GroupBy(x => x.Manager).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            lines.Add($"conflicts with {group.Key}:");
            lines.AddRange(group.Select(x => $"- {x.Path}"));
        }

        return $"Apply failed with {c.Count} conflicts: {string.Join("\n", lines)}";
    }
}
