namespace Skiff.Controllers.PodAutoscaler;

/// <summary>Settings of the horizontal pod autoscaler, named after kube-controller-manager's <c>--horizontal-pod-autoscaler-*</c> flags.</summary>
public sealed class PodAutoscalerOptions
{
    /// <summary>How often each HPA is reconciled (<c>--horizontal-pod-autoscaler-sync-period</c>, 15 s).</summary>
    public TimeSpan SyncPeriod { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Usage ratios this close to 1.0 cause no scaling (<c>--horizontal-pod-autoscaler-tolerance</c>, 0.1).</summary>
    public double Tolerance { get; set; } = 0.1;

    /// <summary>The scale-down stabilization window when an HPA sets none (<c>--horizontal-pod-autoscaler-downscale-stabilization</c>, 5 min).</summary>
    public TimeSpan DownscaleStabilizationWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>After a pod starts, CPU samples count only once it is ready (<c>--horizontal-pod-autoscaler-cpu-initialization-period</c>, 5 min).</summary>
    public TimeSpan CpuInitializationPeriod { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A not-ready pod within this time of its start is taken as never having been ready (<c>--horizontal-pod-autoscaler-initial-readiness-delay</c>, 30 s).</summary>
    public TimeSpan InitialReadinessDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where pod resource usage comes from; null reads the resource metrics API (metrics.k8s.io/v1beta1 PodMetrics).</summary>
    public IMetricsSource? MetricsSource { get; set; }
}
