namespace Skiff.Certificates;

/// <summary>Object identifiers of the extended key usages the cluster certificates carry.</summary>
internal static class KnownOids
{
    /// <summary>id-kp-serverAuth (RFC 5280).</summary>
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";

    /// <summary>id-kp-clientAuth (RFC 5280).</summary>
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";
}
