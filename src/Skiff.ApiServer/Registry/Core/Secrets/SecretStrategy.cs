using System.Text;
using System.Text.Json;
using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.Secrets;

/// <summary>
/// Secrets, after pkg/registry/core/secret/strategy.go, SetDefaults_Secret and ValidateSecret(Update):
/// type Opaque by default, stringData merged into data (it is write-only), the keys each type requires,
/// at most 1 MiB of data, type immutable, data immutable once the secret is.
/// </summary>
internal sealed class SecretStrategy : ResourceStrategy<V1Secret>
{
    public const int MaxSize = 1024 * 1024;

    // Pre-quoted: the generic value formatting JSON-escapes '<' and '>', Go's %q does not.
    private static readonly GoValue Redacted = new(GoValue.Quote("<secret contents redacted>"));

    public override TableConvertor<V1Secret> Table => SecretTable.Instance;

    public override void Default(V1Secret obj)
    {
        if (string.IsNullOrEmpty(obj.Type))
        {
            obj.Type = "Opaque";
        }

        // v1 conversion folds stringData into data (stringData wins) and never stores or returns it.
        if (obj.StringData is { Count: > 0 } stringData)
        {
            obj.Data ??= new Dictionary<string, byte[]>();
            foreach (var (k, v) in stringData)
            {
                obj.Data[k] = Encoding.UTF8.GetBytes(v ?? "");
            }
        }

        obj.StringData = null;
    }

    public override void Validate(V1Secret obj, FieldErrors errors)
    {
        var data = obj.Data ?? new Dictionary<string, byte[]>();
        long total = 0;
        foreach (var (key, value) in data)
        {
            foreach (var msg in ConfigKeyRules.IsConfigMapKey(key))
            {
                errors.Invalid($"data[{key}]", key, msg);
            }

            total += value?.Length ?? 0;
        }

        if (total > MaxSize)
        {
            errors.TooLong("data", MaxSize);
        }

        switch (obj.Type)
        {
            case "kubernetes.io/service-account-token":
                if (obj.Metadata.Annotations?.TryGetValue("kubernetes.io/service-account.name", out var sa) != true || string.IsNullOrEmpty(sa))
                {
                    errors.Required("metadata.annotations[kubernetes.io/service-account.name]");
                }

                break;
            case "kubernetes.io/dockercfg":
                JsonKey(data, ".dockercfg", errors);
                break;
            case "kubernetes.io/dockerconfigjson":
                JsonKey(data, ".dockerconfigjson", errors);
                break;
            case "kubernetes.io/basic-auth":
                if (!data.ContainsKey("username") && !data.ContainsKey("password"))
                {
                    errors.Required("data[username]");
                    errors.Required("data[password]");
                }

                break;
            case "kubernetes.io/ssh-auth":
                if (!data.TryGetValue("ssh-privatekey", out var key) || key is null || key.Length == 0)
                {
                    errors.Required("data[ssh-privatekey]");
                }

                break;
            case "kubernetes.io/tls":
                if (!data.ContainsKey("tls.crt"))
                {
                    errors.Required("data[tls.crt]");
                }

                if (!data.ContainsKey("tls.key"))
                {
                    errors.Required("data[tls.key]");
                }

                break;
        }
    }

    public override void ValidateUpdate(V1Secret obj, V1Secret old, FieldErrors errors)
    {
        if (obj.Type != old.Type)
        {
            errors.Immutable("type", obj.Type ?? "");
        }

        if (old.Immutable == true)
        {
            if (obj.Immutable != true)
            {
                errors.Forbidden("immutable", "field is immutable when `immutable` is set");
            }

            if (!SpecDiff.JsonEqual(obj.Data, old.Data))
            {
                errors.Forbidden("data", "field is immutable when `immutable` is set");
            }
        }

        Validate(obj, errors);
    }

    public override IEnumerable<KeyValuePair<string, string>> SelectableFields(V1Secret obj)
    {
        yield return new("type", obj.Type ?? "");
    }

    private static void JsonKey(IDictionary<string, byte[]> data, string key, FieldErrors errors)
    {
        if (!data.TryGetValue(key, out var bytes))
        {
            errors.Required($"data[{key}]");
            return;
        }

        try
        {
            using var doc = JsonDocument.Parse(bytes ?? []);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Invalid($"data[{key}]", Redacted, $"json: cannot unmarshal {GoKind(doc.RootElement.ValueKind)} into Go value of type map[string]interface {{}}");
            }
        }
        catch (JsonException)
        {
            errors.Invalid($"data[{key}]", Redacted, "invalid character looking for beginning of value");
        }
    }

    private static string GoKind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        _ => "bool",
    };
}
