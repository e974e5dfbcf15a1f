using System.Security.Cryptography;

namespace Skiff.Storage.Encryption;

/// <summary>
/// Encryption at rest (kube-apiserver's storage value transformers): picks the rule of a store key by its prefix (rules
/// in configuration order, the first match wins), encrypts writes with the rule's first provider and decrypts reads with
/// the provider whose prefix the value carries. A value without the <c>k8s:enc:</c> marker is plaintext written before
/// encryption was turned on: it is read as it is, and the next write of the object stores it encrypted.
/// </summary>
public sealed class ValueTransformer
{
    private readonly IReadOnlyList<EncryptionRule> _rules;

    public ValueTransformer(IReadOnlyList<EncryptionRule> rules) => _rules = rules;

    public IReadOnlyList<EncryptionRule> Rules => _rules;

    private EncryptionRule? RuleFor(string key)
    {
        foreach (var rule in _rules)
        {
            foreach (var prefix in rule.KeyPrefixes)
            {
                if (key.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return rule;
                }
            }
        }

        return null;
    }

    /// <summary>Whether writes of <paramref name="key"/> are transformed at all.</summary>
    public bool Covers(string key) => RuleFor(key) is not null;

    /// <summary>The value to store for <paramref name="key"/>.</summary>
    public ReadOnlyMemory<byte> ToStorage(string key, ReadOnlyMemory<byte> value) =>
        RuleFor(key) is { } rule ? rule.Providers[0].Encrypt(value.Span, key) : value;

    /// <summary>The plaintext of a stored value; throws <see cref="EncryptionException"/> naming the key when no configured provider decrypts it.</summary>
    public ReadOnlyMemory<byte> FromStorage(string key, ReadOnlyMemory<byte> stored)
    {
        var span = stored.Span;
        if (!span.StartsWith(EncryptionProvider.EncryptedMarker))
        {
            return stored;
        }

        // Every rule's providers may have written it (a resource can move between rules), the key's own rule first.
        var own = RuleFor(key);
        var candidates = (own is null ? [] : own.Providers).Concat(_rules.Where(r => r != own).SelectMany(r => r.Providers));
        foreach (var provider in candidates)
        {
            if (provider.Prefix.Length > 0 && span.StartsWith(provider.Prefix.Span))
            {
                try
                {
                    return provider.Decrypt(span, key);
                }
                catch (CryptographicException ex)
                {
                    throw new EncryptionException($"cannot decrypt {key} with {provider.Description}: {ex.Message}", ex);
                }
            }
        }

        // k8s:enc:PROVIDER:v1:KEYNAME: names what wrote it; the bytes after it are ciphertext and never shown.
        var head = System.Text.Encoding.ASCII.GetString(span[..Math.Min(span.Length, 80)]).Split(':');
        var shown = string.Join(':', head.Take(5)) + ":";
        throw new EncryptionException($"cannot decrypt {key}: no configured provider matches its prefix {shown}");
    }
}
