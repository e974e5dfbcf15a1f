using System.Security.Cryptography;
using System.Text;

namespace Skiff.Bootstrap;

/// <summary>
/// The key that encrypts the cluster's bootstrap data in the datastore, derived from the server token (as k3s derives
/// its bootstrap key from the token's passphrase), and the id naming where that data lives (<c>/bootstrap/ID</c>).
/// </summary>
/// <remarks>
/// PBKDF2-HMAC-SHA256 stretches the token (which an operator may choose, so it may be guessable) into 64 bytes: the
/// first 32 are the AES-256-GCM key, the hash of the last 32 gives the id. The id therefore reveals nothing that
/// helps guess the token beyond what the ciphertext already does, and the same token always finds the same data.
/// </remarks>
internal sealed class BootstrapKey
{
    /// <summary>Fixed salt: every server must derive the same key from the same token without any shared state.</summary>
    private static readonly byte[] Salt = "skiff cluster bootstrap v1"u8.ToArray();

    /// <summary>PBKDF2 rounds; about 40 ms once per start on this machine.</summary>
    private const int Iterations = 100_000;

    /// <summary>A key from its parts; <see cref="Derive"/> is the way to get one, this is for tests.</summary>
    internal BootstrapKey(byte[] aesKey, string id)
    {
        AesKey = aesKey;
        Id = id;
    }

    /// <summary>The AES-256-GCM key.</summary>
    public byte[] AesKey { get; }

    /// <summary>16 hex digits naming this token's bootstrap data in the datastore.</summary>
    public string Id { get; }

    /// <summary>The datastore key holding the bootstrap data sealed with this key.</summary>
    public string StoreKey => Prefix + Id;

    /// <summary>The datastore prefix under which bootstrap data lives, outside <c>/registry/</c> so the API never serves it.</summary>
    public const string Prefix = "/bootstrap/";

    /// <summary>Derives the key of <paramref name="token"/>.</summary>
    public static BootstrapKey Derive(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var material = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(token), Salt, Iterations, HashAlgorithmName.SHA256, 64);
        var id = Convert.ToHexStringLower(SHA256.HashData(material.AsSpan(32, 32)))[..16];
        return new BootstrapKey(material[..32], id);
    }
}
