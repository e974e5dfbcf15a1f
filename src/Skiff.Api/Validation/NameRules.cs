using System.Text.RegularExpressions;

namespace Skiff.Api.Validation;

/// <summary>
/// The name and identifier rules of apimachinery's validation package (DNS-1123 labels and subdomains,
/// qualified names for label keys, label values), returning the same messages Kubernetes returns.
/// </summary>
public static partial class NameRules
{
    public const int DnsLabelMaxLength = 63;
    public const int DnsSubdomainMaxLength = 253;

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabelRegex();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomainRegex();

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedNameRegex();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValueRegex();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035LabelRegex();

    /// <summary>Problems with <paramref name="value"/> as an RFC 1123 label (e.g. namespace names); empty when valid.</summary>
    public static IReadOnlyList<string> DnsLabel(string value)
    {
        var errs = new List<string>();
        if (value.Length > DnsLabelMaxLength)
        {
            errs.Add($"must be no more than {DnsLabelMaxLength} characters");
        }

        if (!DnsLabelRegex().IsMatch(value))
        {
            errs.Add("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
        }

        return errs;
    }

    /// <summary>Problems with <paramref name="value"/> as an RFC 1035 label (e.g. service names); empty when valid.</summary>
    public static IReadOnlyList<string> Dns1035Label(string value)
    {
        var errs = new List<string>();
        if (value.Length > DnsLabelMaxLength)
        {
            errs.Add($"must be no more than {DnsLabelMaxLength} characters");
        }

        if (!Dns1035LabelRegex().IsMatch(value))
        {
            errs.Add("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
        }

        return errs;
    }

    /// <summary>Problems with <paramref name="value"/> as an RFC 1123 subdomain (most object names); empty when valid.</summary>
    public static IReadOnlyList<string> DnsSubdomain(string value)
    {
        var errs = new List<string>();
        if (value.Length > DnsSubdomainMaxLength)
        {
            errs.Add($"must be no more than {DnsSubdomainMaxLength} characters");
        }

        if (!DnsSubdomainRegex().IsMatch(value))
        {
            errs.Add("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
        }

        return errs;
    }

    /// <summary>Names that may not be used for path segments (RBAC, most "path segment" names).</summary>
    public static IReadOnlyList<string> PathSegmentName(string value)
    {
        if (value is "." or "..")
        {
            return [$"may not be '{value}'"];
        }

        foreach (var bad in new[] { "/", "%" })
        {
            if (value.Contains(bad, StringComparison.Ordinal))
            {
                return [$"may not contain '{bad}'"];
            }
        }

        return [];
    }

    /// <summary>Problems with a qualified name such as a label key (<c>prefix/name</c>); empty when valid.</summary>
    public static IReadOnlyList<string> QualifiedName(string value)
    {
        var errs = new List<string>();
        var parts = value.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                name = parts[1];
                if (parts[0].Length == 0)
                {
                    errs.Add("prefix part must be non-empty");
                }
                else
                {
                    errs.AddRange(DnsSubdomain(parts[0]).Select(e => "prefix part " + e));
                }

                break;
            default:
                return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"];
        }

        if (name.Length == 0)
        {
            errs.Add("name part must be non-empty");
        }
        else if (name.Length > 63)
        {
            errs.Add("name part must be no more than 63 characters");
        }

        if (name.Length > 0 && !QualifiedNameRegex().IsMatch(name))
        {
            errs.Add("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
        }

        return errs;
    }

    /// <summary>Problems with a label value; empty when valid.</summary>
    public static IReadOnlyList<string> LabelValue(string value)
    {
        var errs = new List<string>();
        if (value.Length > 63)
        {
            errs.Add("must be no more than 63 characters");
        }

        if (!LabelValueRegex().IsMatch(value))
        {
            errs.Add("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
        }

        return errs;
    }
}
