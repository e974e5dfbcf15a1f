namespace Skiff.Storage.Sqlite;

/// <summary>
/// The keys that start with a prefix, as bounds in SQLite's BINARY order of TEXT (UTF-8 bytes, which is Unicode
/// code point order, the order etcd uses too), so a prefix is an index range scan rather than a LIKE.
/// </summary>
/// <param name="Prefix">The prefix itself, also the inclusive lower bound.</param>
/// <param name="UpperBound">An exclusive upper bound, or null when no key is above the prefix's keys (empty prefix).</param>
/// <param name="NeedsFilter">
/// True when the bounds are wider than the prefix (it ends in U+FFFF or a surrogate, which cannot be incremented
/// in place), so rows must also be checked with <see cref="Contains"/>.
/// </param>
internal readonly record struct KeyRange(string Prefix, string? UpperBound, bool NeedsFilter)
{
    public static KeyRange ForPrefix(string prefix)
    {
        // Every key starting with P sorts before P with its last code point incremented. Characters that cannot be
        // incremented in place are dropped first: the bound gets wider, and NeedsFilter makes readers re-check.
        for (var end = prefix.Length; end > 0; end--)
        {
            var last = prefix[end - 1];
            if (last == char.MaxValue || char.IsSurrogate(last))
            {
                continue;
            }

            // U+D7FF + 1 would be a lone surrogate; the next scalar value is U+E000.
            var next = last == '\uD7FF' ? '\uE000' : (char)(last + 1);
            return new KeyRange(prefix, string.Concat(prefix.AsSpan(0, end - 1), new ReadOnlySpan<char>(in next)), end != prefix.Length);
        }

        return new KeyRange(prefix, null, prefix.Length != 0);
    }

    public bool Contains(string key) => key.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>
    /// The lower bound of a page: the prefix itself, or strictly after <paramref name="startAfterKey"/> when that is
    /// further on. One bound instead of two lets SQLite seek straight to the page instead of scanning from the prefix.
    /// </summary>
    public (string From, bool Exclusive) LowerBound(string? startAfterKey) =>
        startAfterKey is not null && KeyOrder.Compare(startAfterKey, Prefix) >= 0 ? (startAfterKey, true) : (Prefix, false);
}
