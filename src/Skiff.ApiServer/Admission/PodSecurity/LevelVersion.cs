using System.Globalization;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>
/// A Pod Security level at a policy version (pod-security-admission's api.LevelVersion): the checks of
/// <see cref="Level"/> as they stood in Kubernetes v1.<see cref="Minor"/>, or as they stand now when
/// <see cref="Minor"/> is null ("latest").
/// </summary>
public sealed record LevelVersion(PodSecurityLevel Level, int? Minor)
{
    /// <summary>The newest policy version Skiff knows, matching the API level it serves (v1.33).</summary>
    public const int LatestMinor = 33;

    public static LevelVersion PrivilegedLatest { get; } = new(PodSecurityLevel.Privileged, null);

    /// <summary>The minor version the checks are evaluated at: latest, and versions newer than Skiff, mean <see cref="LatestMinor"/>.</summary>
    public int EffectiveMinor => Minor is { } m && m < LatestMinor ? m : LatestMinor;

    /// <summary>As Kubernetes prints it: <c>restricted:latest</c>, <c>baseline:v1.29</c>.</summary>
    public override string ToString() =>
        $"{LevelName(Level)}:{(Minor is { } m ? "v1." + m.ToString(CultureInfo.InvariantCulture) : "latest")}";

    public static string LevelName(PodSecurityLevel level) => level switch
    {
        PodSecurityLevel.Baseline => "baseline",
        PodSecurityLevel.Restricted => "restricted",
        _ => "privileged",
    };

    public static bool TryParseLevel(string value, out PodSecurityLevel level)
    {
        switch (value)
        {
            case "privileged":
                level = PodSecurityLevel.Privileged;
                return true;
            case "baseline":
                level = PodSecurityLevel.Baseline;
                return true;
            case "restricted":
                level = PodSecurityLevel.Restricted;
                return true;
            default:
                level = PodSecurityLevel.Privileged;
                return false;
        }
    }

    /// <summary>Parses "latest" (null minor) or "v1.N"; anything else is invalid.</summary>
    public static bool TryParseVersion(string value, out int? minor)
    {
        minor = null;
        if (value == "latest")
        {
            return true;
        }

        if (value.StartsWith("v1.", StringComparison.Ordinal) && value.Length > 3
            && value[3..].All(char.IsAsciiDigit) && (value.Length == 4 || value[3] != '0')
            && int.TryParse(value[3..], NumberStyles.None, CultureInfo.InvariantCulture, out var m))
        {
            minor = m;
            return true;
        }

        return false;
    }
}
