using System.Security.Cryptography;
using System.Text;

namespace Skiff.Bootstrap;

/// <summary>
/// Seals and opens the bootstrap data with AES-256-GCM under a <see cref="BootstrapKey"/>. Layout of a sealed value:
/// the magic <c>SKIFF-BOOTSTRAP 1\n</c>, a random 12-byte nonce, the 16-byte tag, then the ciphertext. The datastore key
/// is authenticated too (associated data), so a value copied to another key does not open.
/// </summary>
internal static class BootstrapCipher
{
    private static readonly byte[] Magic = "SKIFF-BOOTSTRAP 1\n"u8.ToArray();
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>Encrypts <paramref name="plaintext"/> for storage at <paramref name="key"/>'s store key.</summary>
    public static byte[] Seal(BootstrapKey key, ReadOnlySpan<byte> plaintext)
    {
        var sealedValue = new byte[Magic.Length + NonceSize + TagSize + plaintext.Length];
        Magic.CopyTo(sealedValue, 0);
        var nonce = sealedValue.AsSpan(Magic.Length, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key.AesKey, TagSize);
        aes.Encrypt(nonce, plaintext, sealedValue.AsSpan(Magic.Length + NonceSize + TagSize), sealedValue.AsSpan(Magic.Length + NonceSize, TagSize), AssociatedData(key));
        return sealedValue;
    }

    /// <summary>
    /// Decrypts a value sealed by <see cref="Seal"/>. Throws <see cref="BootstrapDataException"/> when the value is not
    /// bootstrap data or does not authenticate under this key (another token, or changed bytes).
    /// </summary>
    public static byte[] Open(BootstrapKey key, ReadOnlySpan<byte> sealedValue)
    {
        if (sealedValue.Length < Magic.Length + NonceSize + TagSize || !sealedValue.StartsWith(Magic))
        {
            throw new BootstrapDataException($"the value at {key.StoreKey} is not Skiff bootstrap data (wrong format or truncated)");
        }

        var nonce = sealedValue.Slice(Magic.Length, NonceSize);
        var tag = sealedValue.Slice(Magic.Length + NonceSize, TagSize);
        var ciphertext = sealedValue[(Magic.Length + NonceSize + TagSize)..];
        var plaintext = new byte[ciphertext.Length];
        using var aes = new AesGcm(key.AesKey, TagSize);
        try
        {
            aes.Decrypt(nonce, ciphertext, tag, plaintext, AssociatedData(key));
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new BootstrapDataException($"the bootstrap data at {key.StoreKey} does not decrypt with this server token: it was sealed with another token or has been altered", ex);
        }

        return plaintext;
    }

    private static byte[] AssociatedData(BootstrapKey key) => Encoding.UTF8.GetBytes(key.StoreKey);
}
