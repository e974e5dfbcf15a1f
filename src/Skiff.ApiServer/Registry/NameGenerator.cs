using System.Security.Cryptography;

namespace Skiff.ApiServer.Registry;

/// <summary>Names for <c>metadata.generateName</c>: the prefix plus five random characters from apiserver's alphabet (no vowels, no look-alikes).</summary>
internal static class NameGenerator
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";
    private const int MaxPrefix = 63 - 5;

    public static string Generate(string prefix)
    {
        if (prefix.Length > MaxPrefix)
        {
            prefix = prefix[..MaxPrefix];
        }

        Span<char> suffix = stackalloc char[5];
        for (var i = 0; i < suffix.Length; i++)
        {
            suffix[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        }

        return prefix + new string(suffix);
    }
}
