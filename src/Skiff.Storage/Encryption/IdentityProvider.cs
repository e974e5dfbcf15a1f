namespace Skiff.Storage.Encryption;

/// <summary>kube-apiserver's <c>identity</c> provider: values are written as they are. Listed first it turns encryption off for new writes.</summary>
public sealed class IdentityProvider : EncryptionProvider
{
    public static readonly IdentityProvider Instance = new();

    public override ReadOnlyMemory<byte> Prefix => ReadOnlyMemory<byte>.Empty;

    public override string Description => "identity";

    public override byte[] Encrypt(ReadOnlySpan<byte> plaintext, string storageKey) => plaintext.ToArray();

    public override byte[] Decrypt(ReadOnlySpan<byte> stored, string storageKey) => stored.ToArray();
}
