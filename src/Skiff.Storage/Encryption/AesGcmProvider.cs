using System.Security.Cryptography;
using System.Text;

namespace Skiff.Storage.Encryption;

/// <summary>
/// kube-apiserver's <c>aesgcm</c> provider: AES-GCM with a 12-byte random nonce per write and a 16-byte tag, the value
/// stored as <c>k8s:enc:aesgcm:v1:NAME:</c> + nonce + ciphertext + tag. The storage key is the authenticated data, so a
/// value copied under another key does not decrypt.
/// </summary>
public sealed class AesGcmProvider : EncryptionProvider
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;
    private readonly byte[] _prefix;

    public AesGcmProvider(string keyName, byte[] key)
    {
        if (key.Length is not (16 or 24 or 32))
        {
            throw new ArgumentException($"aesgcm key {keyName} must be 16, 24 or 32 bytes, not {key.Length}", nameof(key));
        }

        _key = key.ToArray();
        _prefix = PrefixFor("aesgcm", keyName);
        Description = "aesgcm:" + keyName;
    }

    public override ReadOnlyMemory<byte> Prefix => _prefix;

    public override string Description { get; }

    public override byte[] Encrypt(ReadOnlySpan<byte> plaintext, string storageKey)
    {
        var result = new byte[_prefix.Length + NonceSize + plaintext.Length + TagSize];
        _prefix.CopyTo(result, 0);
        var nonce = result.AsSpan(_prefix.Length, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(_key, TagSize);
        gcm.Encrypt(nonce, plaintext, result.AsSpan(_prefix.Length + NonceSize, plaintext.Length), result.AsSpan(result.Length - TagSize), Encoding.UTF8.GetBytes(storageKey));
        return result;
    }

    public override byte[] Decrypt(ReadOnlySpan<byte> stored, string storageKey)
    {
        var body = stored[_prefix.Length..];
        if (body.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("the value is too short for AES-GCM");
        }

        var plaintext = new byte[body.Length - NonceSize - TagSize];
        using var gcm = new AesGcm(_key, TagSize);
        gcm.Decrypt(body[..NonceSize], body[NonceSize..^TagSize], body[^TagSize..], plaintext, Encoding.UTF8.GetBytes(storageKey));
        return plaintext;
    }
}
