using System.Globalization;
using System.Text;
using k8s.Models;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Deployment;

/// <summary>
/// The arithmetic of rollouts, after kube-controller-manager's pkg/controller/deployment/util: revisions,
/// template hashes, surge and unavailability bounds, and the conditions that decide "complete" and "progressing".
/// </summary>
internal static class DeploymentUtil
{
    private const string SafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static int Replicas(V1Deployment d) => d.Spec?.Replicas ?? 1;

    public static int Replicas(V1ReplicaSet rs) => rs.Spec?.Replicas ?? 0;

    public static bool IsRecreate(V1Deployment d) => d.Spec?.Strategy?.Type == "Recreate";

    public static long Revision(V1ReplicaSet rs) =>
        long.TryParse(Objects.Annotation(rs.Metadata, DeploymentAnnotations.Revision), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : 0;

    /// <summary>
    /// The pod-template-hash: FNV-32a over the template (as JSON) and the collision count, rendered with
    /// apimachinery's SafeEncodeString alphabet like the hash kube-controller-manager computes from the Go struct.
    /// </summary>
    public static string ComputeHash(V1PodTemplateSpec template, int? collisionCount)
    {
        var bytes = Encoding.UTF8.GetBytes(CanonicalJson.Of(template));
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= 16777619u;
        }

        if (collisionCount is { } c)
        {
            foreach (var b in BitConverter.GetBytes(c))
            {
                hash ^= b;
                hash *= 16777619u;
            }
        }

        var digits = hash.ToString(CultureInfo.InvariantCulture);
        var sb = new StringBuilder(digits.Length);
        foreach (var ch in digits)
        {
            sb.Append(SafeAlphabet[ch % SafeAlphabet.Length]);
        }

        return sb.ToString();
    }

    /// <summary>Whether two templates are equal once the pod-template-hash label is left out of both (EqualIgnoreHash).</summary>
    public static bool EqualIgnoreHash(V1PodTemplateSpec? a, V1PodTemplateSpec? b)
    {
        static string Canonical(V1PodTemplateSpec? t)
        {
            var copy = Objects.Clone(t ?? new V1PodTemplateSpec());
            copy.Metadata ??= new V1ObjectMeta();
            copy.Metadata.Labels?.Remove(DeploymentAnnotations.PodTemplateHash);
            return CanonicalJson.Of(copy);
        }

        return Canonical(a) == Canonical(b);
    }

    /// <summary>The newest-created ReplicaSet whose template matches the deployment's (FindNewReplicaSet; oldest wins ties as k8s does).</summary>
    public static V1ReplicaSet? FindNewReplicaSet(V1Deployment d, IEnumerable<V1ReplicaSet> rsList) =>
        rsList.OrderBy(r => r.Metadata.CreationTimestamp ?? DateTime.MinValue).ThenBy(r => r.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault(r => EqualIgnoreHash(r.Spec?.Template, d.Spec?.Template));

    /// <summary>Resolves an int-or-percent against <paramref name="total"/> (intstr.GetScaledValueFromIntOrPercent).</summary>
    public static int Scaled(IntOrString? value, int total, bool roundUp, int fallback)
    {
        var text = value?.Value;
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (text.EndsWith('%'))
        {
            var pct = int.Parse(text[..^1], CultureInfo.InvariantCulture);
            var exact = pct * (double)total / 100;
            return roundUp ? (int)Math.Ceiling(exact) : (int)Math.Floor(exact);
        }

        return int.Parse(text, CultureInfo.InvariantCulture);
    }

    /// <summary>ResolveFenceposts: maxSurge rounds up, maxUnavailable down; both zero would deadlock, so unavailability becomes 1.</summary>
    public static (int MaxSurge, int MaxUnavailable) Fenceposts(V1Deployment d)
    {
        var ru = d.Spec?.Strategy?.RollingUpdate;
        var replicas = Replicas(d);
        var surge = Scaled(ru?.MaxSurge, replicas, roundUp: true, fallback: Scaled("25%", replicas, true, 0));
        var unavailable = Scaled(ru?.MaxUnavailable, replicas, roundUp: false, fallback: Scaled("25%", replicas, false, 0));
        if (surge == 0 && unavailable == 0)
        {
            unavailable = 1;
        }

        return (surge, unavailable);
    }

    public static int MaxUnavailable(V1Deployment d)
    {
        if (IsRecreate(d) || Replicas(d) == 0)
        {
            return 0;
        }

        return Math.Min(Fenceposts(d).MaxUnavailable, Replicas(d));
    }

    public static int MaxSurge(V1Deployment d) => IsRecreate(d) ? 0 : Fenceposts(d).MaxSurge;

    /// <summary>NewRSNewReplicas: how far the new ReplicaSet may grow now.</summary>
    public static int NewRSNewReplicas(V1Deployment d, IReadOnlyList<V1ReplicaSet> all, V1ReplicaSet newRs)
    {
        if (IsRecreate(d))
        {
            return Replicas(d);
        }

        var maxTotal = Replicas(d) + MaxSurge(d);
        var current = all.Sum(Replicas);
        if (current >= maxTotal)
        {
            return Replicas(newRs);
        }

        var scaleUp = Math.Min(maxTotal - current, Replicas(d) - Replicas(newRs));
        return Replicas(newRs) + Math.Max(0, scaleUp);
    }

    /// <summary>DeploymentComplete: every replica updated and available, and the latest spec observed.</summary>
    public static bool IsComplete(V1Deployment d, V1DeploymentStatus s) =>
        (s.UpdatedReplicas ?? 0) == Replicas(d)
        && (s.Replicas ?? 0) == Replicas(d)
        && (s.AvailableReplicas ?? 0) == Replicas(d)
        && (s.ObservedGeneration ?? 0) >= (d.Metadata.Generation ?? 0);

    /// <summary>DeploymentProgressing: more updated/ready/available pods than before, or fewer old ones.</summary>
    public static bool IsProgressing(V1Deployment d, V1DeploymentStatus s)
    {
        var old = d.Status ?? new V1DeploymentStatus();
        var oldOld = (old.Replicas ?? 0) - (old.UpdatedReplicas ?? 0);
        var newOld = (s.Replicas ?? 0) - (s.UpdatedReplicas ?? 0);
        return (s.UpdatedReplicas ?? 0) > (old.UpdatedReplicas ?? 0)
            || newOld < oldOld
            || (s.ReadyReplicas ?? 0) > (old.ReadyReplicas ?? 0)
            || (s.AvailableReplicas ?? 0) > (old.AvailableReplicas ?? 0);
    }

    public static bool HasProgressDeadline(V1Deployment d) => d.Spec?.ProgressDeadlineSeconds is not (null or int.MaxValue);

    public static V1DeploymentCondition? Condition(V1DeploymentStatus? s, string type) => s?.Conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>SetDeploymentCondition: replaces the condition, keeping lastTransitionTime when the status did not change.</summary>
    public static void SetCondition(V1DeploymentStatus s, V1DeploymentCondition condition)
    {
        var current = Condition(s, condition.Type);
        if (current is not null && current.Status == condition.Status && current.Reason == condition.Reason)
        {
            return;
        }

        if (current is not null && current.Status == condition.Status)
        {
            condition.LastTransitionTime = current.LastTransitionTime;
        }

        s.Conditions = (s.Conditions ?? []).Where(c => c.Type != condition.Type).Append(condition).ToList();
    }

    public static void RemoveCondition(V1DeploymentStatus s, string type)
    {
        if (s.Conditions is not null)
        {
            s.Conditions = s.Conditions.Where(c => c.Type != type).ToList();
        }
    }

    public static V1DeploymentCondition NewCondition(string type, string status, string reason, string message, DateTime now) => new()
    {
        Type = type,
        Status = status,
        Reason = reason,
        Message = message,
        LastUpdateTime = now,
        LastTransitionTime = now,
    };
}
