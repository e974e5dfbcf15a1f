using System.Text.RegularExpressions;

namespace Skiff.Api.Validation;

/// <summary>
/// The key rule of ConfigMap and Secret data (apimachinery's IsConfigMapKey), with the same messages.
/// </summary>
public static partial class ConfigKeyRules
{
    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKeyRegex();

    /// <summary>Problems with <paramref name="key"/> as a data key; empty when valid.</summary>
    public static IReadOnlyList<string> IsConfigMapKey(string key)
    {
        var errs = new List<string>();
        if (key.Length > NameRules.DnsSubdomainMaxLength)
        {
            errs.Add($"must be no more than {NameRules.DnsSubdomainMaxLength} characters");
        }

        if (!ConfigKeyRegex().IsMatch(key))
        {
            errs.Add("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')");
        }

        if (key == ".")
        {
            errs.Add("must not be '.'");
        }
        else if (key == "..")
        {
            errs.Add("must not be '..'");
        }
        else if (key.StartsWith("..", StringComparison.Ordinal))
        {
            errs.Add("must not start with '..'");
        }

        return errs;
    }
}
