namespace Skiff.Controllers.PodAutoscaler;

/// <summary>
/// Pod resource usage for the autoscaler (kube's metrics client for the resource metrics API). Implementations must
/// be thread-safe; they throw <see cref="MetricsUnavailableException"/> when the metrics cannot be read.
/// </summary>
public interface IMetricsSource
{
    /// <summary>
    /// The usage of <paramref name="resource"/> (cpu, memory) by each pod in <paramref name="ns"/> that matches the
    /// label selector, by pod name, summed over the pod's containers or taken from <paramref name="container"/> alone.
    /// Pods without a sample for every container are left out.
    /// </summary>
    Task<IReadOnlyDictionary<string, PodMetric>> GetResourceMetricAsync(string resource, string ns, string labelSelector, string? container, CancellationToken cancellationToken);
}

/// <summary>One pod's usage: milli-units (millicores, milli-bytes), when it was sampled and over which window.</summary>
public sealed record PodMetric(long MilliValue, DateTimeOffset Timestamp, TimeSpan Window);

/// <summary>The metrics could not be read; the message says why in kube's words.</summary>
public sealed class MetricsUnavailableException(string message) : Exception(message);
