using System.Text.Json;
using System.Text.Json.Nodes;
using Skiff.Storage.Encryption;

namespace Skiff.Encryption;

/// <summary>
/// Reads kube-apiserver's <c>--encryption-provider-config</c> file (kind EncryptionConfiguration,
/// apiserver.config.k8s.io/v1, YAML or JSON) into encryption rules: per <c>resources</c> entry its resource names and
/// its providers (<c>aesgcm</c>, <c>aescbc</c>, <c>identity</c>; <c>secretbox</c> and <c>kms</c> are refused by name).
/// Without a file Skiff encrypts Secrets with AES-GCM under the generated cluster key (<see cref="Default"/>).
/// </summary>
internal static class EncryptionConfigurationFile
{
    public const string ApiVersion = "apiserver.config.k8s.io/v1";

    /// <summary>Secrets under the generated key: what a server without <c>--encryption-provider-config</c> does.</summary>
    public static ValueTransformer Default(byte[] key) =>
        new([new EncryptionRule(["secrets"], [new AesGcmProvider(EncryptionKeyFile.KeyName, key)])]);

    /// <summary>Loads and validates a configuration file; problems are <see cref="StartupException"/>s naming the file and the field.</summary>
    public static ValueTransformer Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"--encryption-provider-config {path}: {ex.Message}", ex);
        }

        try
        {
            return Parse(text);
        }
        catch (ArgumentException ex)
        {
            throw new StartupException($"--encryption-provider-config {path}: {ex.Message}", ex);
        }
    }

    /// <summary>Parses configuration text; an invalid configuration is an <see cref="ArgumentException"/> naming the field.</summary>
    public static ValueTransformer Parse(string text)
    {
        JsonNode? root;
        try
        {
            var json = text.TrimStart().StartsWith('{')
                ? text
                : JsonSerializer.Serialize(new YamlDotNet.Serialization.DeserializerBuilder().Build().Deserialize<object>(text));
            root = JsonNode.Parse(json);
        }
        catch (Exception ex) when (ex is JsonException or YamlDotNet.Core.YamlException)
        {
            throw new ArgumentException($"cannot decode: {ex.Message}", ex);
        }

        if (root is not JsonObject config)
        {
            throw new ArgumentException("not an EncryptionConfiguration object");
        }

        if (Str(config["kind"]) != "EncryptionConfiguration")
        {
            throw new ArgumentException($"kind: Unsupported value: \"{Str(config["kind"])}\": supported values: \"EncryptionConfiguration\"");
        }

        if (Str(config["apiVersion"]) != ApiVersion)
        {
            throw new ArgumentException($"apiVersion: Unsupported value: \"{Str(config["apiVersion"])}\": supported values: \"{ApiVersion}\"");
        }

        if (config["resources"] is not JsonArray entries || entries.Count == 0)
        {
            throw new ArgumentException("resources: Required value: at least one resource must be specified");
        }

        var rules = new List<EncryptionRule>();
        for (var i = 0; i < entries.Count; i++)
        {
            var field = $"resources[{i}]";
            if (entries[i] is not JsonObject entry)
            {
                throw new ArgumentException($"{field}: Invalid value: must be an object");
            }

            var resources = (entry["resources"] as JsonArray)?.Select(r => Str(r) ?? "").ToArray() ?? [];
            if (resources.Length == 0)
            {
                throw new ArgumentException($"{field}.resources: Required value: at least one resource must be specified");
            }

            foreach (var r in resources)
            {
                try
                {
                    EncryptionRule.KeyPrefixOf(r);
                }
                catch (ArgumentException ex)
                {
                    throw new ArgumentException($"{field}.resources: Invalid value: {ex.Message}", ex);
                }
            }

            if (entry["providers"] is not JsonArray providerNodes || providerNodes.Count == 0)
            {
                throw new ArgumentException($"{field}.providers: Required value: at least one provider must be specified");
            }

            var providers = new List<EncryptionProvider>();
            for (var j = 0; j < providerNodes.Count; j++)
            {
                providers.AddRange(Providers(providerNodes[j] as JsonObject, $"{field}.providers[{j}]"));
            }

            rules.Add(new EncryptionRule(resources, providers));
        }

        return new ValueTransformer(rules);
    }

    private static IEnumerable<EncryptionProvider> Providers(JsonObject? node, string field)
    {
        if (node is null || node.Count != 1)
        {
            throw new ArgumentException($"{field}: Invalid value: exactly one provider must be configured (aesgcm, aescbc or identity)");
        }

        var (type, body) = node.First();
        switch (type)
        {
            case "identity":
                return [IdentityProvider.Instance];
            case "aesgcm":
            case "aescbc":
                var keys = (body as JsonObject)?["keys"] as JsonArray;
                if (keys is null || keys.Count == 0)
                {
                    throw new ArgumentException($"{field}.{type}.keys: Required value: keys must contain at least one key");
                }

                var result = new List<EncryptionProvider>();
                for (var k = 0; k < keys.Count; k++)
                {
                    var keyField = $"{field}.{type}.keys[{k}]";
                    var name = Str(keys[k]?["name"]);
                    if (string.IsNullOrEmpty(name))
                    {
                        throw new ArgumentException($"{keyField}.name: Required value: key name is required");
                    }

                    if (name.Contains(':'))
                    {
                        throw new ArgumentException($"{keyField}.name: Invalid value: \"{name}\": should not contain ':'");
                    }

                    byte[] secret;
                    try
                    {
                        secret = Convert.FromBase64String(Str(keys[k]?["secret"]) ?? "");
                    }
                    catch (FormatException)
                    {
                        throw new ArgumentException($"{keyField}.secret: Invalid value: REDACTED: secrets must be base64 encoded");
                    }

                    if (secret.Length is not (16 or 24 or 32))
                    {
                        throw new ArgumentException($"{keyField}.secret: Invalid value: REDACTED: secret is not of the expected length, got {secret.Length}, expected one of [16 24 32]");
                    }

                    result.Add(type == "aesgcm" ? new AesGcmProvider(name, secret) : new AesCbcProvider(name, secret));
                }

                return result;
            default:
                throw new ArgumentException($"{field}: Unsupported value: \"{type}\": supported values: \"aesgcm\", \"aescbc\", \"identity\"");
        }
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}
