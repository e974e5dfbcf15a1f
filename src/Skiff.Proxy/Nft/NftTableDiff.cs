namespace Skiff.Proxy.Nft;

/// <summary>
/// A partial sync, like kube-proxy's nftables mode: from the last applied table text and the new one (both from
/// <see cref="NftRenderer.Render"/>), a transaction that touches only what changed — map elements deleted and added,
/// changed service and endpoint chains flushed and refilled, removed ones deleted, new ones (and affinity sets) added —
/// instead of rewriting every chain. nft then parses kilobytes, not megabytes, for one endpoint change. Returns null
/// when the change reaches the table's skeleton (hooked base chains, the node-address set, map types), which needs a
/// full rewrite. The caller keeps full rewrites as the fallback for a failed partial and for periodic resyncs.
/// </summary>
internal static class NftTableDiff
{
    /// <summary>One chain, set or map of a rendered table: its kind, name and body lines (trimmed, in order).</summary>
    internal sealed record Block(string Kind, string Name, IReadOnlyList<string> Lines)
    {
        public bool IsSkeleton => Kind == "chain" ? Lines.Any(l => l.StartsWith("type ", StringComparison.Ordinal)) : Kind == "set" && Lines.Any(l => l.StartsWith("elements", StringComparison.Ordinal));

        public bool SameBody(Block other) => Lines.SequenceEqual(other.Lines, StringComparer.Ordinal);
    }

    /// <summary>A parsed table: blocks by name in their order, and each map's elements as key → value.</summary>
    internal sealed class Table
    {
        public List<Block> Blocks { get; } = [];

        public Dictionary<string, Block> ByName { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, Dictionary<string, string>> MapElements { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Parses text that <see cref="NftRenderer.Render"/> wrote (one rule per line, tab indented).</summary>
    public static Table Parse(string text)
    {
        var table = new Table();
        string? kind = null, name = null;
        List<string> lines = [];
        var depth = 0;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (kind is null)
            {
                if (raw.StartsWith('\t') && !raw.StartsWith("\t\t", StringComparison.Ordinal) && line.EndsWith('{'))
                {
                    var parts = line.Split(' ');
                    (kind, name, lines, depth) = (parts[0], parts[1], [], 1);
                }

                continue;
            }

            if (line == "}" && --depth == 0)
            {
                var block = new Block(kind, name!, lines);
                table.Blocks.Add(block);
                table.ByName[block.Name] = block;
                if (kind == "map")
                {
                    table.MapElements[block.Name] = lines
                        .Where(l => l.Contains(" : ", StringComparison.Ordinal) && !l.StartsWith("type ", StringComparison.Ordinal))
                        .Select(l => l.TrimEnd(','))
                        .ToDictionary(l => l[..l.IndexOf(" : ", StringComparison.Ordinal)], l => l[(l.IndexOf(" : ", StringComparison.Ordinal) + 3)..], StringComparer.Ordinal);
                }

                kind = null;
                continue;
            }

            if (line.EndsWith('{'))
            {
                depth++;
            }

            if (line.Length > 0)
            {
                lines.Add(line);
            }
        }

        return table;
    }

    /// <summary>The transaction that turns <paramref name="before"/> into <paramref name="after"/>; null when only a full rewrite can; empty when equal.</summary>
    public static string? Render(Table before, Table after)
    {
        foreach (var block in before.Blocks.Concat(after.Blocks))
        {
            var other = (ReferenceEquals(before.ByName.GetValueOrDefault(block.Name), block) ? after : before).ByName.GetValueOrDefault(block.Name);
            var changed = other is null || other.Kind != block.Kind || !(block.Kind == "map" ? block.Lines[0] == other.Lines[0] : block.SameBody(other));
            if (changed && (block.IsSkeleton || block.Kind == "map" || (block.Kind == "set" && other is not null)))
            {
                // Base chains, the node-address set and map definitions are the skeleton; a changed affinity set
                // (new timeout) is still referenced by unchanged rules. Both need the full rewrite.
                return null;
            }
        }

        var t = NftRenderer.TableName;
        var sb = new System.Text.StringBuilder();

        // 1. Map elements that go or point elsewhere: nothing may reference a chain that is about to be deleted.
        foreach (var (map, elements) in before.MapElements)
        {
            var now = after.MapElements[map];
            foreach (var (key, value) in elements)
            {
                if (!now.TryGetValue(key, out var v) || v != value)
                {
                    sb.Append($"delete element ip {t} {map} {{ {key} }}\n");
                }
            }
        }

        // 2. Empty every chain that changes or goes, so jumps between them and set references disappear first.
        var gone = before.Blocks.Where(b => !after.ByName.ContainsKey(b.Name)).ToList();
        var changedChains = after.Blocks.Where(b => b.Kind == "chain" && before.ByName.TryGetValue(b.Name, out var old) && !old.SameBody(b)).ToList();
        foreach (var chain in gone.Where(b => b.Kind == "chain").Concat(changedChains))
        {
            sb.Append($"flush chain ip {t} {chain.Name}\n");
        }

        // 3. Remove what is gone.
        foreach (var block in gone.Where(b => b.Kind == "chain"))
        {
            sb.Append($"delete chain ip {t} {block.Name}\n");
        }

        foreach (var block in gone.Where(b => b.Kind == "set"))
        {
            sb.Append($"delete set ip {t} {block.Name}\n");
        }

        // 4. Create what is new, then fill new and changed chains.
        var added = after.Blocks.Where(b => !before.ByName.ContainsKey(b.Name)).ToList();
        foreach (var set in added.Where(b => b.Kind == "set"))
        {
            sb.Append($"add set ip {t} {set.Name} {{ {string.Join("; ", set.Lines)}; }}\n");
        }

        foreach (var chain in added.Where(b => b.Kind == "chain"))
        {
            sb.Append($"add chain ip {t} {chain.Name}\n");
        }

        foreach (var chain in added.Where(b => b.Kind == "chain").Concat(changedChains))
        {
            foreach (var rule in chain.Lines)
            {
                sb.Append($"add rule ip {t} {chain.Name} {rule}\n");
            }
        }

        // 5. Map elements that are new or point elsewhere now.
        foreach (var (map, elements) in after.MapElements)
        {
            var was = before.MapElements[map];
            foreach (var (key, value) in elements)
            {
                if (!was.TryGetValue(key, out var v) || v != value)
                {
                    sb.Append($"add element ip {t} {map} {{ {key} : {value} }}\n");
                }
            }
        }

        return sb.ToString();
    }
}
