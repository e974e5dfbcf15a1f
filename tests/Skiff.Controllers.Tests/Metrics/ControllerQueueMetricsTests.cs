using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Prometheus;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;
using Skiff.Controllers.Metrics;

namespace Skiff.Controllers.Tests.Metrics;

public sealed class ControllerQueueMetricsTests
{
    [Fact]
    public async Task Worker_ReportsDepthAddsDurationRetriesAndErrors()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var time = new FakeTimeProvider();
        var queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(time), time) { Metrics = new ControllerQueueMetrics(registry, "deployment") };
        queue.Add("ns/a");
        queue.Add("ns/b");
        Assert.Contains("workqueue_depth{name=\"deployment\"} 2", await ExportAsync(registry));

        await Workers.ProcessNextAsync("deployment", queue, (_, _) => Task.CompletedTask, NullLogger.Instance, CancellationToken.None);
        await Workers.ProcessNextAsync("deployment", queue, (_, _) => throw new InvalidOperationException("boom"), NullLogger.Instance, CancellationToken.None);

        var text = await ExportAsync(registry);
        Assert.Contains("workqueue_depth{name=\"deployment\"} 0", text);
        Assert.Contains("workqueue_adds_total{name=\"deployment\"} 2", text);
        Assert.Contains("workqueue_work_duration_seconds_count{name=\"deployment\"} 2", text);
        Assert.Contains("workqueue_retries_total{name=\"deployment\"} 1", text);
        Assert.Contains("controller_runtime_reconcile_errors_total{controller=\"deployment\"} 1", text);
    }

    [Fact]
    public async Task TwoQueues_ShareTheFamilies_WithTheirOwnLabels()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var a = new ControllerQueueMetrics(registry, "a");
        var b = new ControllerQueueMetrics(registry, "b");
        a.Failed();
        b.Failed();
        b.Failed();
        var text = await ExportAsync(registry);
        Assert.Contains("controller_runtime_reconcile_errors_total{controller=\"a\"} 1", text);
        Assert.Contains("controller_runtime_reconcile_errors_total{controller=\"b\"} 2", text);
    }

    private static async Task<string> ExportAsync(CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
