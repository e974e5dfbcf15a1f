namespace Skiff.Storage.Sqlite;

/// <summary>Compares keys in Unicode code point order, which is SQLite's BINARY order of UTF-8 text and etcd's byte order.</summary>
internal static class KeyOrder
{
    public static int Compare(string a, string b)
    {
        var length = Math.Min(a.Length, b.Length);
        for (var i = 0; i < length; i++)
        {
            if (a[i] != b[i])
            {
                return Weight(a[i]) - Weight(b[i]);
            }
        }

        return a.Length - b.Length;
    }

    // Ordinal UTF-16 order puts surrogates (U+10000 and up) below U+E000..U+FFFF; code point order puts them above.
    // Moving surrogates to the top and the rest of the upper BMP down by 0x800 gives code point order.
    private static int Weight(char c) => c < '\uD800' ? c : c >= '\uE000' ? c - 0x800 : c + 0x2000;
}
