using Skiff.Client.Api;

namespace Skiff.Controllers.PodAutoscaler;

/// <summary>The resources the autoscaler reads and writes besides pods.</summary>
internal static class PodAutoscalerResources
{
    public static readonly ApiResource HorizontalPodAutoscalers = new("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true);
}
