using System.Security.Cryptography;

namespace Skiff.Storage.Encryption;

/// <summary>
/// kube-apiserver's <c>aescbc</c> provider: AES-CBC with PKCS#7 padding and a random 16-byte IV per write, stored as
/// <c>k8s:enc:aescbc:v1:NAME:</c> + IV + ciphertext. Unauthenticated, as in Kubernetes; kept so configurations written
/// for kube-apiserver load, but <see cref="AesGcmProvider"/> is what Skiff generates.
/// </summary>
public sealed class AesCbcProvider : EncryptionProvider
{
    private const int IvSize = 16;
    private readonly byte[] _key;
    private readonly byte[] _prefix;

    public AesCbcProvider(string keyName, byte[] key)
    {
        if (key.Length is not (16 or 24 or 32))
        {
            throw new ArgumentException($"aescbc key {keyName} must be 16, 24 or 32 bytes, not {key.Length}", nameof(key));
        }

        _key = key.ToArray();
        _prefix = PrefixFor("aescbc", keyName);
        Description = "aescbc:" + keyName;
    }

    public override ReadOnlyMemory<byte> Prefix => _prefix;

    public override string Description { get; }

    public override byte[] Encrypt(ReadOnlySpan<byte> plaintext, string storageKey)
    {
        using var aes = Aes.Create();
        aes.Key = _key;
        var iv = RandomNumberGenerator.GetBytes(IvSize);
        var cipher = aes.EncryptCbc(plaintext, iv, PaddingMode.PKCS7);
        var result = new byte[_prefix.Length + IvSize + cipher.Length];
        _prefix.CopyTo(result, 0);
        iv.CopyTo(result, _prefix.Length);
        cipher.CopyTo(result, _prefix.Length + IvSize);
        return result;
    }

    public override byte[] Decrypt(ReadOnlySpan<byte> stored, string storageKey)
    {
        var body = stored[_prefix.Length..];
        if (body.Length < IvSize + 16 || (body.Length - IvSize) % 16 != 0)
        {
            throw new CryptographicException("the value is not a whole number of AES blocks");
        }

        using var aes = Aes.Create();
        aes.Key = _key;
        return aes.DecryptCbc(body[IvSize..], body[..IvSize], PaddingMode.PKCS7);
    }
}
