using System.Text.Json;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Api.Resources;
using Skiff.Api.Selectors;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Registry.Metrics;

/// <summary>
/// The resource metrics API (<c>metrics.k8s.io/v1beta1</c> NodeMetrics and PodMetrics) served in-process, as
/// metrics-server serves it through aggregation: get and list, label selectors matched against the node's or pod's
/// labels, metadata.name and metadata.namespace field selectors, Tables for <c>kubectl get</c>. Objects exist only for
/// nodes and pods that have a usage window (two scrapes); the rest are 404 / left out of lists.
/// </summary>
internal sealed class MetricsHandler(ResourceInfo info, MetricsStorage storage, ResourceRegistry registry, TimeProvider time) : IResourceHandler
{
    public const string Group = "metrics.k8s.io";
    public const string Version = "v1beta1";

    public static readonly ResourceInfo NodeMetricsInfo = Resource<NodeMetrics, NodeMetricsList>("nodes", "NodeMetrics", false);

    public static readonly ResourceInfo PodMetricsInfo = Resource<PodMetrics, PodMetricsList>("pods", "PodMetrics", true);

    public ResourceInfo Info { get; } = info;

    public WatchCache? Cache => null;

    public IReadOnlyList<string> ServedSubresources => [];

    public async Task HandleAsync(HttpContext ctx, RequestInfo request, CancellationToken ct)
    {
        if (request.Verb is not ("get" or "list") || request.Subresource is not null)
        {
            throw ApiException.MethodNotSupported(request.Verb, Info.Plural);
        }

        LabelSelector labels;
        FieldSelector fields;
        try
        {
            labels = LabelSelector.Parse(ctx.Request.Query["labelSelector"].ToString());
            fields = FieldSelector.Parse(ctx.Request.Query["fieldSelector"].ToString());
        }
        catch (SelectorParseException e)
        {
            throw ApiException.BadRequest(e.Message);
        }

        var now = time.GetUtcNow();
        var items = new List<Item>();
        var nodes = Info.Plural == "nodes";
        var source = nodes ? (IRegistryStore)registry.Store<V1Node>() : registry.Store<V1Pod>();
        if (request.Name is { } name)
        {
            var cached = source.Cache.Get(source.Info.Key(request.Namespace, name));
            if (cached is null || ItemFor(cached, nodes) is not { } single)
            {
                // metrics-server's wording: the group resource is nodemetrics/podmetrics and a pod is named namespace/name.
                throw new ApiException(404, "NotFound", nodes ? $"nodemetrics.{Group} \"{name}\" not found" : $"podmetrics.{Group} \"{request.Namespace}/{name}\" not found");
            }

            items.Add(single);
        }
        else
        {
            foreach (var cached in source.Cache.Snapshot().Items.Values)
            {
                if ((request.Namespace is { } ns && cached.Namespace != ns) || !labels.Matches(cached.Labels) || !fields.Matches(cached.FieldValue))
                {
                    continue;
                }

                if (ItemFor(cached, nodes) is { } item)
                {
                    items.Add(item);
                }
            }
        }

        var negotiated = MediaTypes.Negotiate(ctx.Request.Headers.Accept);
        var body = negotiated.Format == ResponseFormat.Table
            ? Table(items, negotiated.MetaVersion, now)
            : request.Name is not null ? Json(w => WriteItem(w, items[0], now, withKind: true)) : List(items, now);
        await HttpIo.WriteJsonAsync(ctx, 200, body, negotiated.Format == ResponseFormat.Table ? negotiated.ContentType : MediaTypes.Json).ConfigureAwait(false);
    }

    private Item? ItemFor(CachedObject cached, bool node)
    {
        if (node)
        {
            return storage.Node(cached.Name) is { } usage ? new Item(cached, [("", usage)]) : null;
        }

        return storage.Pod(cached.Namespace, cached.Name) is { } containers ? new Item(cached, containers.Select(c => (c.Name, c.Usage)).ToList()) : null;
    }

    private byte[] List(List<Item> items, DateTimeOffset now) => Json(w =>
    {
        w.WriteString("kind", Info.Kind + "List");
        w.WriteString("apiVersion", $"{Group}/{Version}");
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteStartArray("items");
        foreach (var item in items.OrderBy(i => i.Object.Namespace, StringComparer.Ordinal).ThenBy(i => i.Object.Name, StringComparer.Ordinal))
        {
            w.WriteStartObject();
            WriteItem(w, item, now, withKind: false);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    });

    private void WriteItem(Utf8JsonWriter w, Item item, DateTimeOffset now, bool withKind)
    {
        if (withKind)
        {
            w.WriteString("kind", Info.Kind);
            w.WriteString("apiVersion", $"{Group}/{Version}");
        }

        WriteMetadata(w, item.Object, now);
        var latest = item.Usages.MaxBy(u => u.Usage.Timestamp).Usage;
        w.WriteString("timestamp", Time(latest.Timestamp));
        w.WriteString("window", Skiff.Api.Printing.GoDuration.Format(latest.Window));
        if (Info.Plural == "nodes")
        {
            WriteUsage(w, latest);
            return;
        }

        w.WriteStartArray("containers");
        foreach (var (container, usage) in item.Usages)
        {
            w.WriteStartObject();
            w.WriteString("name", container);
            WriteUsage(w, usage);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteMetadata(Utf8JsonWriter w, CachedObject obj, DateTimeOffset now)
    {
        w.WriteStartObject("metadata");
        w.WriteString("name", obj.Name);
        if (obj.Namespace.Length > 0)
        {
            w.WriteString("namespace", obj.Namespace);
        }

        // As metrics-server: the object is made at request time and carries the node's or pod's labels.
        w.WriteString("creationTimestamp", Time(now));
        if (obj.Labels is { Count: > 0 } labels)
        {
            w.WriteStartObject("labels");
            foreach (var (key, value) in labels)
            {
                w.WriteString(key, value);
            }

            w.WriteEndObject();
        }

        w.WriteEndObject();
    }

    private static void WriteUsage(Utf8JsonWriter w, Usage usage)
    {
        w.WriteStartObject("usage");
        w.WriteString("cpu", MetricsQuantities.Cpu(usage.NanoCores));
        w.WriteString("memory", Skiff.Api.Printing.QuantityText.BinarySI(usage.MemoryBytes));
        w.WriteEndObject();
    }

    /// <summary>metrics-server's table: Name, CPU, Memory, Window (a pod's CPU and memory summed over its containers).</summary>
    private static byte[] Table(List<Item> items, string metaVersion, DateTimeOffset now) => Json(w =>
    {
        w.WriteString("kind", "Table");
        w.WriteString("apiVersion", $"meta.k8s.io/{metaVersion}");
        w.WriteStartObject("metadata");
        w.WriteEndObject();
        w.WriteStartArray("columnDefinitions");
        foreach (var (name, format, description) in new[]
        {
            ("Name", "name", "Name of the resource"),
            ("CPU", "", "CPU usage"),
            ("Memory", "", "Memory usage"),
            ("Window", "", "Time window of the usage figures"),
        })
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            w.WriteString("type", "string");
            w.WriteString("format", format);
            w.WriteString("description", description);
            w.WriteNumber("priority", 0);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("rows");
        foreach (var item in items.OrderBy(i => i.Object.Namespace, StringComparer.Ordinal).ThenBy(i => i.Object.Name, StringComparer.Ordinal))
        {
            var latest = item.Usages.MaxBy(u => u.Usage.Timestamp).Usage;
            w.WriteStartObject();
            w.WriteStartArray("cells");
            w.WriteStringValue(item.Object.Name);
            w.WriteStringValue(MetricsQuantities.Cpu(item.Usages.Sum(u => u.Usage.NanoCores)));
            w.WriteStringValue(Skiff.Api.Printing.QuantityText.BinarySI(item.Usages.Sum(u => u.Usage.MemoryBytes)));
            w.WriteStringValue(Skiff.Api.Printing.GoDuration.Format(latest.Window));
            w.WriteEndArray();
            w.WriteStartObject("object");
            w.WriteString("kind", "PartialObjectMetadata");
            w.WriteString("apiVersion", $"meta.k8s.io/{metaVersion}");
            WriteMetadata(w, item.Object, now);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    });

    private static byte[] Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static ResourceInfo Resource<T, TList>(string plural, string kind, bool namespaced) => new()
    {
        Group = Group,
        Version = Version,
        Kind = kind,
        Plural = plural,
        Singular = string.Empty,
        Namespaced = namespaced,
        Type = typeof(T),
        ListType = typeof(TList),
        Verbs = ["get", "list"],
        Virtual = true,
    };

    private sealed record Item(CachedObject Object, IReadOnlyList<(string Name, Usage Usage)> Usages);
}
