using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Shared;

/// <summary>
/// intstr.IntOrString rules used by workload validation (apps validation's ValidatePositiveIntOrPercent,
/// IsNotMoreThan100Percent and getIntOrPercentValue). The models keep the value as text, so a number is any
/// value that parses as an integer.
/// </summary>
internal static partial class IntOrPercent
{
    public const string PercentMessage = "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

    [GeneratedRegex("^[0-9]+%$")]
    private static partial Regex PercentRegex();

    public static bool IsInt(IntOrString? v, out int value)
    {
        value = 0;
        return v?.Value is { } s && int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The value to show in a field error: numbers unquoted, strings quoted (Go prints intstr by kind).</summary>
    public static object Shown(IntOrString? v) => IsInt(v, out var i) ? i : v?.Value ?? "";

    public static bool TryPercent(IntOrString? v, out int percent)
    {
        percent = 0;
        if (v?.Value is not { } s || IsInt(v, out _) || !PercentRegex().IsMatch(s))
        {
            return false;
        }

        return int.TryParse(s.AsSpan(0, s.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out percent);
    }

    /// <summary>The number or the percentage number; 0 for anything else.</summary>
    public static int Value(IntOrString? v) => TryPercent(v, out var p) ? p : IsInt(v, out var i) ? i : 0;

    public static void ValidatePositive(IntOrString? v, string path, FieldErrors errors)
    {
        if (v is null)
        {
            return;
        }

        if (IsInt(v, out var i))
        {
            FieldRules.NonNegative(i, path, errors);
        }
        else if (!PercentRegex().IsMatch(v.Value ?? ""))
        {
            errors.Invalid(path, v.Value ?? "", PercentMessage);
        }
    }

    public static void NotMoreThan100Percent(IntOrString? v, string path, FieldErrors errors)
    {
        if (TryPercent(v, out var p) && p > 100)
        {
            errors.Invalid(path, v!.Value, "must not be greater than 100%");
        }
    }

    /// <summary>The text printers use (intstr.String()): the number or the string.</summary>
    public static string Text(IntOrString? v) => v?.Value ?? "";
}
