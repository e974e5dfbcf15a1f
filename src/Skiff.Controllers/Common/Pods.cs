using k8s.Models;

namespace Skiff.Controllers.Common;

/// <summary>Pod state as kube-controller-manager's podutil reads it.</summary>
internal static class Pods
{
    public static V1PodCondition? Condition(V1Pod pod, string type) => pod.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    public static bool IsReady(V1Pod pod) => Condition(pod, "Ready")?.Status == "True";

    public static bool IsTerminal(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    /// <summary>controller.IsPodActive: not finished and not being deleted.</summary>
    public static bool IsActive(V1Pod pod) => !IsTerminal(pod) && pod.Metadata.DeletionTimestamp is null;

    /// <summary>podutil.IsPodAvailable: ready for at least minReadySeconds.</summary>
    public static bool IsAvailable(V1Pod pod, int minReadySeconds, DateTimeOffset now)
    {
        var ready = Condition(pod, "Ready");
        if (ready?.Status != "True")
        {
            return false;
        }

        if (minReadySeconds == 0)
        {
            return true;
        }

        return ready.LastTransitionTime is { } t && new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)).AddSeconds(minReadySeconds) <= now;
    }
}
