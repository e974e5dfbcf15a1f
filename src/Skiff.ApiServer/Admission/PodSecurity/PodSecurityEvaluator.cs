using k8s.Models;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>
/// Evaluates a pod against a level and version of the Pod Security Standards (pod-security-admission's checkRegistry):
/// the baseline checks, then for restricted the restricted ones, each in ID order, so failures are listed in the order
/// Kubernetes lists them. A baseline check that a restricted check supersedes at that version is skipped at restricted.
/// </summary>
internal static class PodSecurityEvaluator
{
    private delegate CheckResult? CheckFn(PodView pod, int minor);

    /// <param name="MinimumMinor">The first policy version with the check.</param>
    /// <param name="SupersededFromMinor">For a baseline check: the version from which a restricted check replaces it at restricted level.</param>
    private sealed record Check(string Id, PodSecurityLevel Level, int MinimumMinor, int? SupersededFromMinor, CheckFn Run);

    private static readonly Check[] Checks =
    [
        new("appArmorProfile", PodSecurityLevel.Baseline, 0, null, BaselineChecks.AppArmorProfile),
        new("capabilities_baseline", PodSecurityLevel.Baseline, 0, 22, BaselineChecks.CapabilitiesBaseline),
        new("hostNamespaces", PodSecurityLevel.Baseline, 0, null, BaselineChecks.HostNamespaces),
        new("hostPathVolumes", PodSecurityLevel.Baseline, 0, 0, BaselineChecks.HostPathVolumes),
        new("hostPorts", PodSecurityLevel.Baseline, 0, null, BaselineChecks.HostPorts),
        new("privileged", PodSecurityLevel.Baseline, 0, null, BaselineChecks.Privileged),
        new("procMount", PodSecurityLevel.Baseline, 0, null, BaselineChecks.ProcMount),
        new("seLinuxOptions", PodSecurityLevel.Baseline, 0, null, BaselineChecks.SeLinuxOptions),
        new("seccompProfile_baseline", PodSecurityLevel.Baseline, 0, 19, BaselineChecks.SeccompProfileBaseline),
        new("sysctls", PodSecurityLevel.Baseline, 0, null, BaselineChecks.Sysctls),
        new("windowsHostProcess", PodSecurityLevel.Baseline, 0, null, BaselineChecks.WindowsHostProcess),
        new("allowPrivilegeEscalation", PodSecurityLevel.Restricted, 8, null, RestrictedChecks.AllowPrivilegeEscalation),
        new("capabilities_restricted", PodSecurityLevel.Restricted, 22, null, RestrictedChecks.CapabilitiesRestricted),
        new("restrictedVolumes", PodSecurityLevel.Restricted, 0, null, RestrictedChecks.RestrictedVolumes),
        new("runAsNonRoot", PodSecurityLevel.Restricted, 0, null, RestrictedChecks.RunAsNonRoot),
        new("runAsUser", PodSecurityLevel.Restricted, 23, null, RestrictedChecks.RunAsUser),
        new("seccompProfile_restricted", PodSecurityLevel.Restricted, 19, null, RestrictedChecks.SeccompProfileRestricted),
    ];

    /// <summary>Every failed check of <paramref name="policy"/> for the pod; empty when the pod is allowed.</summary>
    public static IReadOnlyList<CheckResult> Evaluate(LevelVersion policy, V1ObjectMeta? metadata, V1PodSpec spec)
    {
        if (policy.Level == PodSecurityLevel.Privileged)
        {
            return [];
        }

        var minor = policy.EffectiveMinor;
        var pod = new PodView(metadata, spec);
        var failed = new List<CheckResult>();
        foreach (var check in Checks)
        {
            if (check.Level > policy.Level || minor < check.MinimumMinor)
            {
                continue;
            }

            if (policy.Level == PodSecurityLevel.Restricted && check.SupersededFromMinor is { } from && minor >= from)
            {
                continue;
            }

            if (check.Run(pod, minor) is { } result)
            {
                failed.Add(result);
            }
        }

        return failed;
    }

    /// <summary>The failures as Kubernetes joins them: <c>reason (detail), reason (detail)</c>.</summary>
    public static string Describe(IReadOnlyList<CheckResult> failed) => string.Join(", ", failed);
}
