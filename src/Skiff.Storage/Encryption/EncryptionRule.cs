namespace Skiff.Storage.Encryption;

/// <summary>
/// One <c>resources</c> entry of an EncryptionConfiguration: the resources it covers and its providers in order. The
/// first provider encrypts every write; every provider can decrypt (key rotation: put the new key first, keep the old).
/// </summary>
public sealed class EncryptionRule
{
    public EncryptionRule(IReadOnlyList<string> resources, IReadOnlyList<EncryptionProvider> providers)
    {
        if (providers.Count == 0)
        {
            throw new ArgumentException("an encryption rule needs at least one provider", nameof(providers));
        }

        Resources = resources;
        Providers = providers;
        KeyPrefixes = resources.Select(KeyPrefixOf).ToArray();
    }

    private EncryptionRule(IReadOnlyList<string> keyPrefixes, IReadOnlyList<EncryptionProvider> providers, bool raw)
    {
        _ = raw;
        Resources = [];
        Providers = providers.Count > 0 ? providers : throw new ArgumentException("an encryption rule needs at least one provider", nameof(providers));
        KeyPrefixes = keyPrefixes;
    }

    /// <summary>A rule over raw store key prefixes rather than resource names (every key: <c>/</c>).</summary>
    public static EncryptionRule ForKeyPrefixes(IReadOnlyList<string> keyPrefixes, IReadOnlyList<EncryptionProvider> providers) =>
        new(keyPrefixes, providers, raw: true);

    /// <summary>Resource names as written in the configuration: <c>secrets</c>, <c>deployments.apps</c>, <c>*.apps</c>, <c>*.</c>, <c>*.*</c>.</summary>
    public IReadOnlyList<string> Resources { get; }

    public IReadOnlyList<EncryptionProvider> Providers { get; }

    /// <summary>The store key prefixes the resources map to (<c>/registry/&lt;group&gt;/&lt;resource&gt;/</c>, core as <c>core</c>).</summary>
    public IReadOnlyList<string> KeyPrefixes { get; }

    /// <summary>
    /// The store key prefix of a configured resource name: <c>secrets</c> → <c>/registry/core/secrets/</c>,
    /// <c>x.g</c> → <c>/registry/g/x/</c>, <c>*.g</c> → <c>/registry/g/</c>, <c>*.</c> → <c>/registry/core/</c> and
    /// <c>*.*</c> → <c>/registry/</c>.
    /// </summary>
    public static string KeyPrefixOf(string resource)
    {
        var r = resource.Trim().ToLowerInvariant();
        if (r == "*.*")
        {
            return "/registry/";
        }

        var dot = r.IndexOf('.');
        var name = dot < 0 ? r : r[..dot];
        var group = dot < 0 ? "" : r[(dot + 1)..];
        if (name.Length == 0 || name.Contains('*') && name != "*" || group.Contains('*'))
        {
            throw new ArgumentException($"resource \"{resource}\" is not a resource, group.resource or wildcard (*.group, *., *.*)");
        }

        var g = group.Length == 0 ? "core" : group;
        return name == "*" ? $"/registry/{g}/" : $"/registry/{g}/{name}/";
    }
}
