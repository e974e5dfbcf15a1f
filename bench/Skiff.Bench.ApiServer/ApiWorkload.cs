using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Skiff.Bench.ApiServer;

/// <summary>
/// The requests the benchmark makes: ConfigMap creates (1 KiB each, as the Kubernetes reference figures used)
/// from N concurrent clients, and whole-namespace LISTs, each timed from sending to the last byte received.
/// </summary>
internal sealed class ApiWorkload
{
    /// <summary>Size of the ConfigMap's data value; with its metadata the object is just over 1 KiB of JSON.</summary>
    public const int PayloadBytes = 1024;

    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    private readonly HttpClient[] _clients;
    private readonly int? _serverPid;
    private readonly string _payload = new('x', PayloadBytes);
    private readonly List<string> _errors = [];

    public ApiWorkload(HttpClient[] clients, int? serverPid)
    {
        _clients = clients;
        _serverPid = serverPid;
    }

    /// <summary>The first few failed responses (status and body), for the report.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>The server's <c>/version</c> gitVersion.</summary>
    public async Task<string> ServerVersionAsync(CancellationToken cancellationToken)
    {
        using var response = await _clients[0].GetAsync("version", cancellationToken);
        response.EnsureSuccessStatusCode();
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return doc.RootElement.TryGetProperty("gitVersion", out var v) ? v.GetString() ?? "?" : "?";
    }

    /// <summary>Creates the namespace unless it exists.</summary>
    public async Task EnsureNamespaceAsync(string name, CancellationToken cancellationToken)
    {
        using var content = new StringContent($$$"""{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"{{{name}}}"}}""", Encoding.UTF8, "application/json");
        using var response = await _clients[0].PostAsync("api/v1/namespaces", content, cancellationToken);
        if (response.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.Conflict))
        {
            throw new InvalidOperationException($"creating namespace {name}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>
    /// Creates ConfigMaps <c>{prefix}-{first}</c> … <c>{prefix}-{first+count-1}</c> in <paramref name="ns"/> from
    /// <paramref name="clients"/> concurrent loops, each starting its next create when the previous one answered.
    /// </summary>
    public async Task<LatencySummary> CreateAsync(string ns, string prefix, int first, int count, int clients, CancellationToken cancellationToken)
    {
        var path = $"api/v1/namespaces/{ns}/configmaps";
        var latencies = new double[count];
        var errors = 0;
        var next = -1;

        async Task Loop(HttpClient client)
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var body = Encoding.UTF8.GetBytes(
                    $$$"""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"{{{prefix}}}-{{{first + i:D6}}}","labels":{"app":"skiff-bench"}},"data":{"payload":"{{{_payload}}}"}}""");
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = JsonType;
                var started = Stopwatch.GetTimestamp();
                using var response = await client.PostAsync(path, content, cancellationToken);
                var text = response.StatusCode == HttpStatusCode.Created ? null : await response.Content.ReadAsStringAsync(cancellationToken);
                if (text is null)
                {
                    // Read the created object, as a client does; the time includes it.
                    await response.Content.CopyToAsync(Stream.Null, cancellationToken);
                }

                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (text is not null)
                {
                    Interlocked.Increment(ref errors);
                    Record($"POST {path}: {(int)response.StatusCode} {text}");
                }
            }
        }

        return await MeasureAsync(async () => await Task.WhenAll(Enumerable.Range(0, clients).Select(c => Task.Run(() => Loop(_clients[c % _clients.Length]), cancellationToken))), latencies, () => errors);
    }

    /// <summary>
    /// Lists every ConfigMap of <paramref name="ns"/> <paramref name="count"/> times in a row, with
    /// <c>resourceVersion</c> unset (a consistent read) or <c>resourceVersion=0</c> (any cached state).
    /// </summary>
    public async Task<(LatencySummary Summary, long Bytes)> ListAsync(string ns, bool resourceVersionZero, int count, CancellationToken cancellationToken)
    {
        var path = $"api/v1/namespaces/{ns}/configmaps" + (resourceVersionZero ? "?resourceVersion=0" : "");
        var latencies = new double[count];
        var errors = 0;
        long bytes = 0;
        var buffer = new byte[256 * 1024];
        var summary = await MeasureAsync(
            async () =>
            {
                for (var i = 0; i < count; i++)
                {
                    var started = Stopwatch.GetTimestamp();
                    using var response = await _clients[0].GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                    await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
                    long received = 0;
                    int read;
                    while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                    {
                        received += read;
                    }

                    latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    bytes = received;
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        errors++;
                        Record($"GET {path}: {(int)response.StatusCode}");
                    }
                }
            },
            latencies,
            () => errors);
        return (summary, bytes);
    }

    /// <summary>Lists <paramref name="ns"/> once and counts its items (untimed: checks the LIST returns everything).</summary>
    public async Task<int> CountAsync(string ns, CancellationToken cancellationToken)
    {
        using var response = await _clients[0].GetAsync($"api/v1/namespaces/{ns}/configmaps", cancellationToken);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var doc = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);
        return doc.RootElement.GetProperty("items").GetArrayLength();
    }

    private async Task<LatencySummary> MeasureAsync(Func<Task> run, double[] latencies, Func<int> errors)
    {
        var serverCpu = ProcessStats.CpuTime(_serverPid);
        var machineBusy = ProcessStats.MachineBusyTime();
        var clientCpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        await run();
        var elapsed = Stopwatch.GetElapsedTime(started);
        var serverCpuAfter = ProcessStats.CpuTime(_serverPid);
        var machineBusyAfter = ProcessStats.MachineBusyTime();
        var clientCpuAfter = Process.GetCurrentProcess().TotalProcessorTime;
        return LatencySummary.From(latencies, errors(), elapsed, serverCpuAfter - serverCpu, clientCpuAfter - clientCpu, machineBusyAfter - machineBusy);
    }

    private void Record(string error)
    {
        lock (_errors)
        {
            if (_errors.Count < 5)
            {
                _errors.Add(error.Length > 400 ? error[..400] + "…" : error);
            }
        }
    }
}
