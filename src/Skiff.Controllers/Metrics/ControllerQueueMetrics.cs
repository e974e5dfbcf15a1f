using Prometheus;
using Skiff.Client.Queues;

namespace Skiff.Controllers.Metrics;

/// <summary>
/// One controller's queue metrics in Prometheus, named as client-go's workqueue metrics provider names them
/// (workqueue_depth, workqueue_adds_total, workqueue_work_duration_seconds, workqueue_retries_total, labelled
/// by queue name), plus reconcile errors under controller-runtime's name
/// (controller_runtime_reconcile_errors_total, labelled by controller), the figure kube-controller-manager
/// leaves to its logs.
/// </summary>
internal sealed class ControllerQueueMetrics : IQueueMetrics
{
    private readonly Gauge.Child _depth;
    private readonly Counter.Child _adds;
    private readonly Histogram.Child _duration;
    private readonly Counter.Child _retries;
    private readonly Counter.Child _errors;

    public ControllerQueueMetrics(CollectorRegistry registry, string name)
    {
        // The factory returns the existing family when another queue (or a restarted manager) registered it first.
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _depth = factory.CreateGauge("workqueue_depth", "Current depth of workqueue", "name").WithLabels(name);
        _adds = factory.CreateCounter("workqueue_adds_total", "Total number of adds handled by workqueue", "name").WithLabels(name);
        _duration = factory.CreateHistogram("workqueue_work_duration_seconds", "How long in seconds processing an item from workqueue takes.", new HistogramConfiguration
        {
            LabelNames = ["name"],

            // client-go's buckets: 10^-8 .. 10^1 seconds.
            Buckets = Histogram.ExponentialBuckets(1e-8, 10, 10),
        }).WithLabels(name);
        _retries = factory.CreateCounter("workqueue_retries_total", "Total number of retries handled by workqueue", "name").WithLabels(name);
        _errors = factory.CreateCounter("controller_runtime_reconcile_errors_total", "Total number of reconciliation errors per controller", "controller").WithLabels(name);
    }

    public void Added() => _adds.Inc();

    public void Depth(int depth) => _depth.Set(depth);

    public void WorkDuration(TimeSpan duration) => _duration.Observe(duration.TotalSeconds);

    public void Retried() => _retries.Inc();

    public void Failed() => _errors.Inc();
}
