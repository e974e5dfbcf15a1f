using k8s.Models;
using Microsoft.Extensions.Hosting;
using Skiff.ApiServer.Registry.Core.Nodes;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Registry.Metrics;

/// <summary>
/// Scrapes every Ready node's kubelet <c>/metrics/resource</c> once per metric resolution, as metrics-server does,
/// with the API server's kubelet client certificate, and keeps the points in <see cref="MetricsStorage"/>. A node
/// that is not Ready, has no kubelet address or does not answer has no metrics until it answers again.
/// </summary>
internal sealed partial class MetricsScraper(CacheDispatcher dispatcher, ResourceRegistry registry, KubeletClient kubelets, MetricsStorage storage,
    ApiServerOptions options, TimeProvider time, ILogger<MetricsScraper> logger) : BackgroundService
{
    /// <summary>Longest one node's scrape may take (metrics-server bounds it by the resolution too).</summary>
    private static readonly TimeSpan ScrapeTimeout = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await dispatcher.Ready.WaitAsync(stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await ScrapeOnceAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A bad round must not stop the scraper (nor, as an unhandled BackgroundService error, the host).
                    Log.RoundFailed(logger, e);
                }

                await Task.Delay(options.MetricResolution, time, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round over every Ready node, in parallel; nodes that failed are forgotten.</summary>
    internal async Task ScrapeOnceAsync(CancellationToken ct)
    {
        var store = registry.Store<V1Node>();
        var nodes = store.Cache.Snapshot().Items.Values.Select(store.Decode)
            .Where(n => n.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
            .ToList();
        var results = await Task.WhenAll(nodes.Select(n => ScrapeNodeAsync(n, ct))).ConfigureAwait(false);
        storage.Retain(nodes.Where((_, i) => results[i]).Select(n => n.Metadata.Name).ToHashSet(StringComparer.Ordinal));
    }

    private async Task<bool> ScrapeNodeAsync(V1Node node, CancellationToken ct)
    {
        var name = node.Metadata.Name;
        if (KubeletClient.BaseUrl(node) is not { } baseUrl)
        {
            Log.NoAddress(logger, name);
            return false;
        }

        var url = baseUrl + "/metrics/resource";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(ScrapeTimeout);
        try
        {
            using var response = await kubelets.Http.GetAsync(url, timeout.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Log.ScrapeFailed(logger, name, url, $"{(int)response.StatusCode} {response.ReasonPhrase}: {body.Trim()}");
                return false;
            }

            storage.Store(name, NodeScrape.From(PrometheusText.Parse(body), time.GetUtcNow()));
            return true;
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            Log.ScrapeFailed(logger, name, url, e is OperationCanceledException ? $"no answer within {ScrapeTimeout.TotalSeconds:0}s" : e.Message);
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Failed to scrape node {Node} for resource metrics ({Url}): {Reason}", EventName = "MetricsScrapeFailed")]
        public static partial void ScrapeFailed(ILogger logger, string node, string url, string reason);

        [LoggerMessage(2, LogLevel.Warning, "Node {Node} has no address for its kubelet; no resource metrics", EventName = "MetricsNoAddress")]
        public static partial void NoAddress(ILogger logger, string node);

        [LoggerMessage(3, LogLevel.Error, "A resource metrics scrape round failed", EventName = "MetricsRoundFailed")]
        public static partial void RoundFailed(ILogger logger, Exception exception);
    }
}
