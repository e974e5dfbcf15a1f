using System.Globalization;
using k8s.Models;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Job;

/// <summary>Pod facts the job controller reads, as kube-controller-manager's job controller reads them.</summary>
internal static class JobPods
{
    /// <summary>Keeps a finished pod until the controller has counted it in the job's status.</summary>
    public const string TrackingFinalizer = "batch.kubernetes.io/job-tracking";

    public const string CompletionIndexKey = "batch.kubernetes.io/job-completion-index";

    public const string CompletionIndexEnv = "JOB_COMPLETION_INDEX";

    /// <summary>With backoffLimitPerIndex: how many earlier pods of the same index failed (and counted).</summary>
    public const string IndexFailureCountKey = "batch.kubernetes.io/job-index-failure-count";

    /// <summary>With backoffLimitPerIndex: how many earlier pods of the same index failed in a way the pod failure policy ignores.</summary>
    public const string IndexIgnoredFailureCountKey = "batch.kubernetes.io/job-index-ignored-failure-count";

    public static int IndexFailureCount(V1Pod pod) => CountAnnotation(pod, IndexFailureCountKey);

    public static int IndexIgnoredFailureCount(V1Pod pod) => CountAnnotation(pod, IndexIgnoredFailureCountKey);

    private static int CountAnnotation(V1Pod pod, string key) =>
        int.TryParse(Objects.Annotation(pod.Metadata, key), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    public static bool HasTrackingFinalizer(V1Pod pod) => pod.Metadata.Finalizers?.Contains(TrackingFinalizer) == true;

    /// <summary>
    /// The pod's completion index from its annotation (the label as a fallback), or -1 when missing or malformed
    /// (getCompletionIndex).
    /// </summary>
    public static int CompletionIndex(V1Pod pod)
    {
        var text = Objects.Annotation(pod.Metadata, CompletionIndexKey);
        if (text.Length == 0 && pod.Metadata.Labels?.TryGetValue(CompletionIndexKey, out var label) == true)
        {
            text = label;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ix) ? ix : -1;
    }

    /// <summary>
    /// Whether a pod counts as failed (isPodFailed): phase Failed, or, unless only failed pods are replaced,
    /// deleted before it succeeded (an orphan may never reach a terminal phase).
    /// </summary>
    public static bool IsFailed(V1Pod pod, V1Job job)
    {
        if (pod.Status?.Phase == "Failed")
        {
            return true;
        }

        return !OnlyReplaceFailedPods(job) && pod.Metadata.DeletionTimestamp is not null && pod.Status?.Phase != "Succeeded";
    }

    /// <summary>podReplacementPolicy Failed (implied by a pod failure policy): terminating pods are waited for.</summary>
    public static bool OnlyReplaceFailedPods(V1Job job) => job.Spec.PodReplacementPolicy == "Failed" || job.Spec.PodFailurePolicy is not null;

    /// <summary>Being deleted but not yet finished (status.terminating).</summary>
    public static bool IsTerminating(V1Pod pod) => pod.Metadata.DeletionTimestamp is not null && !Pods.IsTerminal(pod);

    /// <summary>
    /// When the pod finished (getFinishedTime): the latest container termination, else when it stopped being
    /// ready, else its deletion time, else its creation.
    /// </summary>
    public static DateTimeOffset FinishedTime(V1Pod pod)
    {
        var finished = (pod.Status?.ContainerStatuses ?? [])
            .Select(s => s.State?.Terminated?.FinishedAt)
            .Where(t => t is not null)
            .Select(t => (DateTime?)Utc(t!.Value))
            .DefaultIfEmpty(null)
            .Max();
        finished ??= Pods.Condition(pod, "Ready") is { Status: "False", LastTransitionTime: { } t } ? Utc(t) : null;
        finished ??= pod.Metadata.DeletionTimestamp is { } d ? Utc(d) : null;
        finished ??= pod.Metadata.CreationTimestamp is { } c ? Utc(c) : DateTime.UnixEpoch;
        return new DateTimeOffset(finished.Value, TimeSpan.Zero);
    }

    /// <summary>Sum of container restarts of pods still pending or running (pastBackoffLimitOnFailure).</summary>
    public static int Restarts(V1Pod pod) =>
        pod.Status?.Phase is "Pending" or "Running"
            ? (pod.Status.InitContainerStatuses ?? []).Sum(s => s.RestartCount) + (pod.Status.ContainerStatuses ?? []).Sum(s => s.RestartCount)
            : 0;

    /// <summary>
    /// generateName for an indexed pod, <c>job-3-</c>, shortened so the generated name stays within the limit
    /// (podGenerateNameWithIndex).
    /// </summary>
    public static string GenerateNameWithIndex(string jobName, int index)
    {
        var suffix = "-" + index.ToString(CultureInfo.InvariantCulture) + "-";
        var prefix = jobName + suffix;
        return prefix.Length > 58 ? jobName[..(58 - suffix.Length)] + suffix : prefix;
    }

    /// <summary>
    /// Adds JOB_COMPLETION_INDEX, from the completion-index annotation, to every container and init container
    /// that does not define it (addCompletionIndexEnvVariables).
    /// </summary>
    public static void AddCompletionIndexEnv(V1PodSpec spec)
    {
        foreach (var c in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
        {
            c.Env ??= [];
            if (c.Env.Any(e => e.Name == CompletionIndexEnv))
            {
                continue;
            }

            c.Env.Add(new V1EnvVar
            {
                Name = CompletionIndexEnv,
                ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { ApiVersion = "v1", FieldPath = $"metadata.annotations['{CompletionIndexKey}']" } },
            });
        }
    }

    private static DateTime Utc(DateTime t) => t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime();
}
