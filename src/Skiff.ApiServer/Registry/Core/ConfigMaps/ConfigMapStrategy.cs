using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.ConfigMaps;

/// <summary>
/// ConfigMaps, after pkg/registry/core/configmap/strategy.go and ValidateConfigMap(Update): valid keys,
/// no key in both data and binaryData, at most 1 MiB in total, and no changes once immutable.
/// </summary>
internal sealed class ConfigMapStrategy : ResourceStrategy<V1ConfigMap>
{
    /// <summary>core.MaxSecretSize, which also bounds config maps.</summary>
    public const int MaxSize = 1024 * 1024;

    public const string ImmutableMessage = "field is immutable when `immutable` is set";

    public override TableConvertor<V1ConfigMap> Table => ConfigMapTable.Instance;

    public override void Validate(V1ConfigMap obj, FieldErrors errors)
    {
        long total = 0;
        foreach (var (key, value) in obj.Data ?? new Dictionary<string, string>())
        {
            foreach (var msg in ConfigKeyRules.IsConfigMapKey(key))
            {
                errors.Invalid($"data[{key}]", key, msg);
            }

            if (obj.BinaryData?.ContainsKey(key) == true)
            {
                errors.Invalid($"data[{key}]", key, "duplicate of key present in binaryData");
            }

            total += System.Text.Encoding.UTF8.GetByteCount(value ?? "");
        }

        foreach (var (key, value) in obj.BinaryData ?? new Dictionary<string, byte[]>())
        {
            foreach (var msg in ConfigKeyRules.IsConfigMapKey(key))
            {
                errors.Invalid($"binaryData[{key}]", key, msg);
            }

            if (obj.Data?.ContainsKey(key) == true)
            {
                errors.Invalid($"binaryData[{key}]", key, "duplicate of key present in data");
            }

            total += value?.Length ?? 0;
        }

        if (total > MaxSize)
        {
            errors.TooLong("", MaxSize);
        }
    }

    public override void ValidateUpdate(V1ConfigMap obj, V1ConfigMap old, FieldErrors errors)
    {
        if (old.Immutable == true)
        {
            if (obj.Immutable != true)
            {
                errors.Forbidden("immutable", ImmutableMessage);
            }

            if (!SpecDiff.JsonEqual(obj.Data, old.Data))
            {
                errors.Forbidden("data", ImmutableMessage);
            }

            if (!SpecDiff.JsonEqual(obj.BinaryData, old.BinaryData))
            {
                errors.Forbidden("binaryData", ImmutableMessage);
            }
        }

        Validate(obj, errors);
    }
}
