using System.Text;

namespace Skiff.Storage.Encryption;

/// <summary>
/// One provider of an EncryptionConfiguration (apiserver.config.k8s.io/v1): it turns a plaintext value into what the
/// store keeps and back. Encrypting providers mark their output with a prefix naming the provider and the key
/// (<c>k8s:enc:aesgcm:v1:KEYNAME:</c>), as kube-apiserver does, so a value can be read back by whichever configured
/// provider wrote it. Implementations are thread-safe.
/// </summary>
public abstract class EncryptionProvider
{
    /// <summary>The prefix every value this provider writes starts with; empty for identity.</summary>
    public abstract ReadOnlyMemory<byte> Prefix { get; }

    /// <summary>The provider and key name for messages, e.g. <c>aesgcm:key1</c>. Never the key itself.</summary>
    public abstract string Description { get; }

    /// <summary>Encrypts <paramref name="plaintext"/>; <paramref name="storageKey"/> is bound to the result as authenticated data.</summary>
    public abstract byte[] Encrypt(ReadOnlySpan<byte> plaintext, string storageKey);

    /// <summary>Decrypts a value written by this provider (prefix included); throws <see cref="System.Security.Cryptography.CryptographicException"/> when it does not decrypt.</summary>
    public abstract byte[] Decrypt(ReadOnlySpan<byte> stored, string storageKey);

    /// <summary>The common prefix of every encrypted value, whatever the provider.</summary>
    public static ReadOnlySpan<byte> EncryptedMarker => "k8s:enc:"u8;

    private protected static byte[] PrefixFor(string provider, string keyName) => Encoding.ASCII.GetBytes($"k8s:enc:{provider}:v1:{keyName}:");
}
