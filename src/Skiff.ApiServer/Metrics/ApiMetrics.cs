using Microsoft.AspNetCore.Http;
using Prometheus;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Metrics;

/// <summary>
/// The API server's Prometheus metrics, named and labelled as kube-apiserver's (apiserver_request_total,
/// apiserver_request_duration_seconds, apiserver_storage_objects, apiserver_registered_watchers), in a registry
/// owned by this server instance and served at <c>/metrics</c>.
/// </summary>
internal sealed class ApiMetrics : IExtraEndpoints
{
    private static readonly string[] RequestLabels = ["verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component", "code"];
    private static readonly string[] DurationLabels = ["verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component"];
    private readonly CollectorRegistry _registry;
    private readonly Counter _requests;
    private readonly Histogram _duration;
    private readonly ResourceRegistry _resources;

    public ApiMetrics(ResourceRegistry resources, ApiServerOptions options)
    {
        _resources = resources;
        _registry = options.MetricsRegistry ?? Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(_registry);
        _requests = factory.CreateCounter("apiserver_request_total", "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.",
            new CounterConfiguration { LabelNames = RequestLabels });
        _duration = factory.CreateHistogram("apiserver_request_duration_seconds", "Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.",
            new HistogramConfiguration
            {
                LabelNames = DurationLabels,
                Buckets = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60],
            });
        var objects = factory.CreateGauge("apiserver_storage_objects", "Number of stored objects at the time of last check split by kind.", new GaugeConfiguration { LabelNames = ["resource"] });
        var watchers = factory.CreateGauge("apiserver_registered_watchers", "Number of currently registered watchers for a given resources", new GaugeConfiguration { LabelNames = ["group", "version", "kind"] });
        _registry.AddBeforeCollectCallback(() =>
        {
            foreach (var h in _resources.Handlers.Where(h => h.Info.StorageGroupResource is null && h.Cache is not null))
            {
                var (items, _) = h.Cache!.Snapshot();
                objects.WithLabels(h.Info.GroupResource).Set(items.Count);
                watchers.WithLabels(h.Info.Group, h.Info.Version, h.Info.Kind).Set(h.Cache.WatcherCount);
            }
        });
    }

    /// <summary>Records one finished resource request.</summary>
    public void Observe(RequestInfo info, bool dryRun, int code, TimeSpan elapsed)
    {
        var scope = info.Name is not null ? "resource" : info.Namespace is not null ? "namespace" : "cluster";
        var dry = dryRun ? "All" : string.Empty;
        var verb = info.Verb.ToUpperInvariant() switch
        {
            "GET" => "GET",
            var v => v switch
            {
                "LIST" => "LIST",
                "WATCH" => "WATCH",
                "CREATE" => "POST",
                "UPDATE" => "PUT",
                "PATCH" => "PATCH",
                "DELETE" => "DELETE",
                "DELETECOLLECTION" => "DELETE",
                _ => v,
            },
        };
        _requests.WithLabels(verb, dry, info.Group, info.Version, info.Resource, info.Subresource ?? string.Empty, scope, "apiserver", code.ToString(System.Globalization.CultureInfo.InvariantCulture)).Inc();
        if (verb != "WATCH")
        {
            _duration.WithLabels(verb, dry, info.Group, info.Version, info.Resource, info.Subresource ?? string.Empty, scope, "apiserver").Observe(elapsed.TotalSeconds);
        }
    }

    public async Task<bool> TryHandleAsync(HttpContext ctx, string path)
    {
        if (path != "/metrics")
        {
            return false;
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await _registry.CollectAndExportAsTextAsync(ctx.Response.Body, ctx.RequestAborted).ConfigureAwait(false);
        return true;
    }
}
