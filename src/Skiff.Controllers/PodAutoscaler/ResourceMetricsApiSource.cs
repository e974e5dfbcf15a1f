using System.Net;
using System.Text.Json;
using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Controllers.PodAutoscaler;

/// <summary>
/// Reads PodMetrics from the resource metrics API (<c>/apis/metrics.k8s.io/v1beta1/namespaces/NS/pods</c>), as kube's
/// resource metrics client does. Until a metrics provider serves that API the server answers 404, which surfaces
/// as kube's "the server could not find the requested resource (get pods.metrics.k8s.io)".
/// </summary>
internal sealed class ResourceMetricsApiSource(ApiConnection connection) : IMetricsSource
{
    public async Task<IReadOnlyDictionary<string, PodMetric>> GetResourceMetricAsync(string resource, string ns, string labelSelector, string? container, CancellationToken cancellationToken)
    {
        var path = $"/apis/metrics.k8s.io/v1beta1/namespaces/{Uri.EscapeDataString(ns)}/pods";
        if (!string.IsNullOrEmpty(labelSelector))
        {
            path += "?labelSelector=" + Uri.EscapeDataString(labelSelector);
        }

        using var request = connection.Request(HttpMethod.Get, path);
        HttpResponseMessage response;
        try
        {
            response = await connection.HttpClient.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new MetricsUnavailableException("unable to fetch metrics from resource metrics API: " + ex.Message);
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                throw new MetricsUnavailableException("unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new MetricsUnavailableException($"unable to fetch metrics from resource metrics API: {(int)response.StatusCode} {response.ReasonPhrase}");
            }

            return Parse(body, resource, container);
        }
    }

    /// <summary>A PodMetricsList into per-pod sums (kube's getPodMetrics / getContainerMetrics).</summary>
    internal static IReadOnlyDictionary<string, PodMetric> Parse(string body, string resource, string? container)
    {
        using var doc = JsonDocument.Parse(body);
        var items = doc.RootElement.TryGetProperty("items", out var i) && i.ValueKind == JsonValueKind.Array ? i.EnumerateArray().ToList() : [];
        if (items.Count == 0)
        {
            throw new MetricsUnavailableException("no metrics returned from resource metrics API");
        }

        var result = new Dictionary<string, PodMetric>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var name = item.GetProperty("metadata").GetProperty("name").GetString()!;
            var timestamp = item.TryGetProperty("timestamp", out var ts) && ts.ValueKind == JsonValueKind.String ? DateTimeOffset.Parse(ts.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : DateTimeOffset.MinValue;
            var window = item.TryGetProperty("window", out var w) && w.ValueKind == JsonValueKind.String ? ParseWindow(w.GetString()!) : TimeSpan.Zero;
            var containers = item.TryGetProperty("containers", out var cs) && cs.ValueKind == JsonValueKind.Array ? cs.EnumerateArray().ToList() : [];
            long sum = 0;
            var missing = containers.Count == 0;
            var found = container is null;
            foreach (var c in containers)
            {
                if (container is not null && c.GetProperty("name").GetString() != container)
                {
                    continue;
                }

                found = true;
                if (!c.TryGetProperty("usage", out var usage) || !usage.TryGetProperty(resource, out var q) || q.GetString() is not { } text)
                {
                    missing = true;
                    break;
                }

                sum += (long)Math.Ceiling(new ResourceQuantity(text).ToDecimal() * 1000);
            }

            if (!missing && found)
            {
                result[name] = new PodMetric(sum, timestamp, window);
            }
        }

        return result;
    }

    private static TimeSpan ParseWindow(string text)
    {
        // Go durations as metrics-server writes them ("30s", "1m0s", "10.5s").
        var total = TimeSpan.Zero;
        foreach (System.Text.RegularExpressions.Match m in System.Text.RegularExpressions.Regex.Matches(text, @"(\d+(?:\.\d+)?)(ms|s|m|h)"))
        {
            var v = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            total += m.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(v),
                "s" => TimeSpan.FromSeconds(v),
                "m" => TimeSpan.FromMinutes(v),
                _ => TimeSpan.FromHours(v),
            };
        }

        return total;
    }
}
