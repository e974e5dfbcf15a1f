using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>
/// The PodSecurity admission plugin (k8s.io/pod-security-admission): a namespace's
/// <c>pod-security.kubernetes.io/enforce|audit|warn</c> labels (with <c>-version</c>) choose a level of the Pod
/// Security Standards. Pods that fail the enforce level are rejected with Kubernetes' message; pods and workload
/// templates that fail the warn level get a <c>Warning</c> kubectl prints; audit failures are logged (Skiff has no
/// audit log to annotate). Namespace labels are validated, and changing a namespace's enforce level (also with
/// <c>--dry-run=server</c>) warns about existing pods that would violate it. No namespace, user or runtime class is
/// exempt, as with kube-apiserver's default configuration.
/// </summary>
internal sealed partial class PodSecurityAdmission(RegistryAccess access, ILogger<PodSecurityAdmission> logger) : IValidatingAdmissionPlugin
{
    /// <summary>How many existing pods a namespace label change evaluates at most (kube-apiserver stops at 3000 too).</summary>
    private const int MaxPodsChecked = 3000;

    public string Name => "PodSecurity";

    public bool Handles(AdmissionAttributes a)
    {
        if (a.Operation is not (AdmissionOperation.Create or AdmissionOperation.Update) || (a.Resource.Group.Length > 0 && a.Resource.Group is not ("apps" or "batch")))
        {
            return false;
        }

        return a.Object switch
        {
            V1Pod => a.Subresource is null or "ephemeralcontainers",
            V1Namespace => a.Subresource is null,
            _ => a.Subresource is null && PodTemplates.Of(a.Object) is not null,
        };
    }

    public ValueTask ValidateAsync(AdmissionAttributes a, CancellationToken ct)
    {
        switch (a.Object)
        {
            case V1Namespace ns:
                ValidateNamespace(a, ns, a.OldObject as V1Namespace);
                break;
            case V1Pod pod:
                ValidatePod(a, pod, a.OldObject as V1Pod);
                break;
            default:
                ValidateTemplate(a);
                break;
        }

        return ValueTask.CompletedTask;
    }

    private NamespacePolicy PolicyOf(string? ns)
    {
        if (string.IsNullOrEmpty(ns))
        {
            return NamespacePolicy.Privileged;
        }

        var store = access.Store<V1Namespace>();
        return store.Cache.Get(store.Key(null, ns)) is { } o ? NamespacePolicy.FromLabels(store.Decode(o).Metadata.Labels) : NamespacePolicy.Privileged;
    }

    private void ValidatePod(AdmissionAttributes a, V1Pod pod, V1Pod? old)
    {
        if (old is not null && !IsSignificantPodUpdate(pod, old))
        {
            return;
        }

        var policy = PolicyOf(a.Namespace);
        var name = DisplayName(pod.Metadata);
        var spec = pod.Spec ?? new V1PodSpec();
        var enforced = PodSecurityEvaluator.Evaluate(policy.Enforce, pod.Metadata, spec);
        if (enforced.Count > 0)
        {
            throw new ApiException(403, "Forbidden",
                $"pods \"{name}\" is forbidden: violates PodSecurity \"{policy.Enforce}\": {PodSecurityEvaluator.Describe(enforced)}",
                new V1StatusDetails { Name = name, Kind = "pods" });
        }

        Audit(a, policy, pod.Metadata, spec);
        Warn(policy, pod.Metadata, spec);
    }

    private void ValidateTemplate(AdmissionAttributes a)
    {
        var template = PodTemplates.Of(a.Object);
        if (template?.Spec is null)
        {
            return;
        }

        if (PodTemplates.Of(a.OldObject) is { } oldTemplate && ApiJson.SemanticEquals(template, oldTemplate))
        {
            // Only the controller's own fields changed (scale, status, owner references): nothing new to judge.
            return;
        }

        // Enforcement applies to the pods a controller creates, not to its template, as in Kubernetes.
        var policy = PolicyOf(a.Namespace);
        Audit(a, policy, template.Metadata, template.Spec);
        Warn(policy, template.Metadata, template.Spec);
    }

    private static void Warn(NamespacePolicy policy, V1ObjectMeta? metadata, V1PodSpec spec)
    {
        var failed = PodSecurityEvaluator.Evaluate(policy.Warn, metadata, spec);
        if (failed.Count > 0)
        {
            RequestWarnings.Add($"would violate PodSecurity \"{policy.Warn}\": {PodSecurityEvaluator.Describe(failed)}");
        }
    }

    private void Audit(AdmissionAttributes a, NamespacePolicy policy, V1ObjectMeta? metadata, V1PodSpec spec)
    {
        var failed = PodSecurityEvaluator.Evaluate(policy.Audit, metadata, spec);
        if (failed.Count > 0)
        {
            Log.AuditViolation(logger, a.Resource.Plural, a.Namespace ?? "", a.Name, policy.Audit.ToString(), PodSecurityEvaluator.Describe(failed));
        }
    }

    private void ValidateNamespace(AdmissionAttributes a, V1Namespace ns, V1Namespace? old)
    {
        var errors = new FieldErrors();
        var policy = NamespacePolicy.FromLabels(ns.Metadata?.Labels, errors);
        if (errors.Count > 0)
        {
            throw ApiException.Invalid(a.Resource, a.Name, errors);
        }

        if (old is null)
        {
            return;
        }

        var oldPolicy = NamespacePolicy.FromLabels(old.Metadata?.Labels);
        if (policy.Enforce == oldPolicy.Enforce || policy.Enforce.Level == PodSecurityLevel.Privileged)
        {
            return;
        }

        foreach (var warning in ExistingPodWarnings(a.Name, policy.Enforce))
        {
            RequestWarnings.Add(warning);
        }
    }

    /// <summary>
    /// What kube-apiserver tells whoever tightens a namespace's enforce level: which existing pods would be rejected
    /// now, grouped by identical failures (<c>pod-a (and 2 other pods): reason, reason</c>).
    /// </summary>
    internal IReadOnlyList<string> ExistingPodWarnings(string ns, LevelVersion enforce)
    {
        var pods = access.Store<V1Pod>();
        var prefix = pods.Info.NamespacePrefix(ns);
        var groups = new List<(string Reasons, List<string> Pods)>();
        var checkedPods = 0;
        foreach (var (key, o) in pods.Cache.Snapshot().Items)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (++checkedPods > MaxPodsChecked)
            {
                break;
            }

            var pod = pods.Decode(o);
            var failed = PodSecurityEvaluator.Evaluate(enforce, pod.Metadata, pod.Spec ?? new V1PodSpec());
            if (failed.Count == 0)
            {
                continue;
            }

            var reasons = string.Join(", ", failed.Select(f => f.Reason));
            var group = groups.FindIndex(g => g.Reasons == reasons);
            if (group < 0)
            {
                groups.Add((reasons, [pod.Metadata.Name]));
            }
            else
            {
                groups[group].Pods.Add(pod.Metadata.Name);
            }
        }

        if (groups.Count == 0)
        {
            return [];
        }

        var warnings = new List<string> { $"existing pods in namespace \"{ns}\" violate the new PodSecurity enforce level \"{enforce}\"" };
        foreach (var (reasons, names) in groups)
        {
            warnings.Add(names.Count == 1 ? $"{names[0]}: {reasons}" : $"{names[0]} (and {names.Count - 1} other pods): {reasons}");
        }

        return warnings;
    }

    /// <summary>
    /// Kubernetes judges a pod update only when it can change what runs: a container image, the seccomp annotations,
    /// or an added ephemeral container. Label, status and other metadata writes pass untouched.
    /// </summary>
    internal static bool IsSignificantPodUpdate(V1Pod pod, V1Pod old)
    {
        const string seccompPod = "seccomp.security.alpha.kubernetes.io/pod";
        const string seccompContainer = "container.seccomp.security.alpha.kubernetes.io/";
        IReadOnlyDictionary<string, string> annotations = pod.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a) : [];
        IReadOnlyDictionary<string, string> oldAnnotations = old.Metadata?.Annotations is { } b ? new Dictionary<string, string>(b) : [];
        if (annotations.GetValueOrDefault(seccompPod) != oldAnnotations.GetValueOrDefault(seccompPod))
        {
            return true;
        }

        bool Changed(string name, string? image, string? oldImage) =>
            image != oldImage || annotations.GetValueOrDefault(seccompContainer + name) != oldAnnotations.GetValueOrDefault(seccompContainer + name);

        var containers = pod.Spec?.Containers ?? [];
        var oldContainers = old.Spec?.Containers ?? [];
        var init = pod.Spec?.InitContainers ?? [];
        var oldInit = old.Spec?.InitContainers ?? [];
        if (containers.Count != oldContainers.Count || init.Count != oldInit.Count)
        {
            return true;
        }

        for (var i = 0; i < containers.Count; i++)
        {
            if (Changed(containers[i].Name, containers[i].Image, oldContainers[i].Image))
            {
                return true;
            }
        }

        for (var i = 0; i < init.Count; i++)
        {
            if (Changed(init[i].Name, init[i].Image, oldInit[i].Image))
            {
                return true;
            }
        }

        foreach (var e in pod.Spec?.EphemeralContainers ?? [])
        {
            var before = (old.Spec?.EphemeralContainers ?? []).FirstOrDefault(o => o.Name == e.Name);
            if (before is null || Changed(e.Name, e.Image, before.Image))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A pod named from generateName is reported by its prefix, as kube-apiserver admits it before naming it.</summary>
    private static string DisplayName(V1ObjectMeta? meta) =>
        meta?.GenerateName is { Length: > 0 } prefix && meta.Name?.StartsWith(prefix, StringComparison.Ordinal) != false ? prefix : meta?.Name ?? "";

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "PodSecurity audit: {Resource} {Namespace}/{Name} violates PodSecurity \"{Policy}\": {Violations}", EventName = "AuditViolation")]
        public static partial void AuditViolation(ILogger logger, string resource, string @namespace, string name, string policy, string violations);
    }
}
