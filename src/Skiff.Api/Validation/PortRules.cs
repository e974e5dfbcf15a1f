using System.Text.RegularExpressions;

namespace Skiff.Api.Validation;

/// <summary>Port number and port name rules of apimachinery's validation package, with its messages.</summary>
public static partial class PortRules
{
    [GeneratedRegex("^[-a-z0-9]+$")]
    private static partial Regex PortNameCharsRegex();

    [GeneratedRegex("[a-z]")]
    private static partial Regex PortNameOneLetterRegex();

    /// <summary>apimachinery's InclusiveRangeError text.</summary>
    public static string InclusiveRangeError(long lo, long hi) => $"must be between {lo} and {hi}, inclusive";

    /// <summary>Problems with a TCP/UDP/SCTP port number; empty when it is 1-65535.</summary>
    public static IReadOnlyList<string> IsValidPortNum(long port) =>
        port is >= 1 and <= 65535 ? [] : [InclusiveRangeError(1, 65535)];

    /// <summary>Problems with a port name (an IANA_SVC_NAME); empty when valid.</summary>
    public static IReadOnlyList<string> IsValidPortName(string port)
    {
        var errs = new List<string>();
        if (port.Length > 15)
        {
            errs.Add("must be no more than 15 characters");
        }

        if (!PortNameCharsRegex().IsMatch(port))
        {
            errs.Add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        }

        if (!PortNameOneLetterRegex().IsMatch(port))
        {
            errs.Add("must contain at least one letter (a-z)");
        }

        if (port.Contains("--", StringComparison.Ordinal))
        {
            errs.Add("must not contain consecutive hyphens");
        }

        if (port.Length > 0 && (port[0] == '-' || port[^1] == '-'))
        {
            errs.Add("must not begin or end with a hyphen");
        }

        return errs;
    }
}
