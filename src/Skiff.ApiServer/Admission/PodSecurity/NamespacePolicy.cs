using Skiff.Api.Validation;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>
/// The Pod Security policy a namespace's labels set (<c>pod-security.kubernetes.io/MODE</c> and <c>MODE-version</c>
/// for enforce, audit and warn). A mode without a label is <c>privileged</c>, as with kube-apiserver's default
/// PodSecurity configuration; a missing version label means <c>latest</c>.
/// </summary>
public sealed record NamespacePolicy(LevelVersion Enforce, LevelVersion Audit, LevelVersion Warn)
{
    public const string Prefix = "pod-security.kubernetes.io/";
    public const string EnforceLabel = Prefix + "enforce";
    public const string AuditLabel = Prefix + "audit";
    public const string WarnLabel = Prefix + "warn";

    public static NamespacePolicy Privileged { get; } = new(LevelVersion.PrivilegedLatest, LevelVersion.PrivilegedLatest, LevelVersion.PrivilegedLatest);

    /// <summary>
    /// Reads the policy from labels. Invalid values are reported in <paramref name="errors"/> (when given) and fall
    /// back like kube-apiserver does for pods: an invalid level is evaluated as <c>restricted</c> and an invalid version
    /// as <c>latest</c>, so a typo never weakens a namespace.
    /// </summary>
    public static NamespacePolicy FromLabels(IDictionary<string, string>? labels, FieldErrors? errors = null) => new(
        Mode(labels, EnforceLabel, errors), Mode(labels, AuditLabel, errors), Mode(labels, WarnLabel, errors));

    private static LevelVersion Mode(IDictionary<string, string>? labels, string key, FieldErrors? errors)
    {
        if (labels is null)
        {
            return LevelVersion.PrivilegedLatest;
        }

        var level = PodSecurityLevel.Privileged;
        if (labels.TryGetValue(key, out var levelText))
        {
            if (!LevelVersion.TryParseLevel(levelText, out level))
            {
                errors?.Invalid($"metadata.labels[{key}]", levelText, "must be one of privileged, baseline, restricted");
                level = PodSecurityLevel.Restricted;
            }
        }

        int? minor = null;
        if (labels.TryGetValue(key + "-version", out var versionText) && !LevelVersion.TryParseVersion(versionText, out minor))
        {
            errors?.Invalid($"metadata.labels[{key}-version]", versionText, "must be 'latest' or of the form 'v1.x'");
            minor = null;
        }

        return new LevelVersion(level, minor);
    }
}
