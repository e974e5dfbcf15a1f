using System.Globalization;
using System.Text;
using System.Text.Json;
using static Skiff.Bench.ApiServer.ReferenceFigures;

namespace Skiff.Bench.ApiServer;

/// <summary>Prints the results as a table beside the Kubernetes reference figures, then as one JSON line.</summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // Readable '+' in "v1.33.0+skiff"; the line goes to a terminal or a log, never into HTML.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Table(BenchResults r)
    {
        var sb = new StringBuilder();
        sb.AppendLine();
        sb.AppendLine("Skiff API server benchmark");
        sb.AppendLine($"machine:  {r.Machine}; load average {r.LoadAverageBefore?.ToString("F2", Inv) ?? "?"} before the run");
        sb.AppendLine($"server:   {r.Server} ({r.ServerVersion}), {r.Mode}{(r.Pid is null ? ", pid unknown (no RSS/CPU)" : $", pid {r.Pid}")}");
        if (r.ServerCommand is not null)
        {
            sb.AppendLine($"          {r.ServerCommand}");
        }

        sb.AppendLine($"client:   HTTP/2 over TLS, {r.Connections} connection(s), 1 KiB ConfigMaps; reference: Kubernetes v1.20 + etcd 3.4 on the same kind of 2-core machine");
        sb.AppendLine();
        var rows = new List<string[]> { new[] { "figure", "Skiff", "Kubernetes v1.20", "target", "met" } };

        if (r.Create1 is { } c1)
        {
            rows.Add([$"creates/s, 1 client ({c1.Operations:N0})", $"{c1.PerSecond:N0}/s", $"{Creates1PerSecond:N0}/s", $">= {TargetCreates1PerSecond:N0}/s", Met(c1.PerSecond >= TargetCreates1PerSecond)]);
            rows.Add(["  latency p50 / p99", $"{Ms(c1.P50Ms)} / {Ms(c1.P99Ms)} ms", $"- / {Creates1P99Ms} ms", "", ""]);
            rows.Add(["  CPU per create, server / client", Cpu(c1), "", "", ""]);
            rows.Add(["  other processes' load", Load(c1), "", "", ""]);
        }

        if (r.CreateConcurrent is { } cn)
        {
            rows.Add([$"creates/s, {r.Clients} clients ({cn.Operations:N0})", $"{cn.PerSecond:N0}/s", $"{Creates64PerSecondLow:N0}-{Creates64PerSecondHigh:N0}/s", $">= {TargetCreates64PerSecond:N0}/s", Met(cn.PerSecond >= TargetCreates64PerSecond)]);
            rows.Add(["  latency p50 / p99", $"{Ms(cn.P50Ms)} / {Ms(cn.P99Ms)} ms", $"- / ~{Creates64P99Ms} ms", $"p99 < {TargetCreates64P99Ms} ms", Met(cn.P99Ms < TargetCreates64P99Ms)]);
            rows.Add(["  CPU per create, server / client", Cpu(cn), "", "", ""]);
            rows.Add(["  other processes' load", Load(cn), "", "", ""]);
        }

        if (r.ListConsistent is { } lc)
        {
            rows.Add([$"LIST {r.ListObjects:N0}, resourceVersion unset, p50 / p99", $"{Ms(lc.P50Ms)} / {Ms(lc.P99Ms)} ms", $"{ListConsistentP50Ms} ms / -", $"p50 < {TargetListMs} ms", Met(lc.P50Ms < TargetListMs)]);
        }

        if (r.ListRv0 is { } l0)
        {
            rows.Add([$"LIST {r.ListObjects:N0}, resourceVersion=0, p50 / p99", $"{Ms(l0.P50Ms)} / {Ms(l0.P99Ms)} ms", $"{ListRv0P50Ms} ms / -", $"p50 < {TargetListMs} ms", Met(l0.P50Ms < TargetListMs)]);
        }

        if (r.ListConsistent is { } l)
        {
            rows.Add(["  response size, server CPU per LIST", $"{r.ListBytes / 1024.0 / 1024.0:F1} MiB, {Ms(l.ServerCpuMsPerOp ?? double.NaN)} ms", "", "", ""]);
            rows.Add(["  other processes' load", Load(l), "", "", ""]);
        }

        if (r.RssIdleMiB is { } idle)
        {
            rows.Add(["server RSS idle", $"{idle:F0} MiB", $"{RssIdleMiB:F0} MiB", $"<= {TargetRssIdleMiB:F0} MiB", Met(idle <= TargetRssIdleMiB)]);
        }

        if (r.RssWithObjectsMiB is { } full)
        {
            rows.Add([$"server RSS with {r.ListObjects:N0} objects", $"{full:F0} MiB", $"{RssWithObjectsMiB:F0} MiB + etcd {EtcdRssWithObjectsMiB:F0}", $"<= {TargetRssWithObjectsMiB:F0} MiB", Met(full <= TargetRssWithObjectsMiB)]);
        }

        if (r.RssEndMiB is { } end)
        {
            rows.Add([$"  at the end ({r.ObjectsEnd:N0} ConfigMaps), peak", $"{end:F0} MiB, peak {r.PeakRssMiB:F0} MiB", "", "", ""]);
        }

        if (r.Populate is { } p)
        {
            rows.Add([$"(warm-up: {p.Operations:N0} creates, {r.Clients} clients)", $"{p.PerSecond:N0}/s, p99 {Ms(p.P99Ms)} ms", "", "", ""]);
        }

        var widths = Enumerable.Range(0, 5).Select(c => rows.Max(row => row[c].Length)).ToArray();
        for (var i = 0; i < rows.Count; i++)
        {
            sb.AppendLine(string.Join("  ", rows[i].Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd());
            if (i == 0)
            {
                sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
            }
        }

        if (r.Errors.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("errors (first few):");
            foreach (var e in r.Errors)
            {
                sb.AppendLine("  " + e);
            }
        }

        return sb.ToString();
    }

    public static string Json(BenchResults r)
    {
        static object? Summary(LatencySummary? s) => s is null ? null : new
        {
            operations = s.Operations,
            errors = s.Errors,
            perSecond = Math.Round(s.PerSecond, 1),
            p50Ms = Math.Round(s.P50Ms, 3),
            p90Ms = Math.Round(s.P90Ms, 3),
            p99Ms = Math.Round(s.P99Ms, 3),
            maxMs = Math.Round(s.MaxMs, 3),
            serverCpuMsPerOp = s.ServerCpuMsPerOp is { } c ? Math.Round(c, 4) : (double?)null,
            clientCpuMsPerOp = Math.Round(s.ClientCpuMsPerOp, 4),
            otherCpuCores = s.OtherCpuCores is { } o ? Math.Round(o, 2) : (double?)null,
        };

        var doc = new
        {
            benchmark = "skiff-apiserver",
            machine = new { cpu = r.Machine.Cpu, cores = r.Machine.Cores, memoryGiB = r.Machine.MemoryGiB, os = r.Machine.Os },
            dotnet = r.Machine.DotNet,
            serverVersion = r.ServerVersion,
            mode = r.Mode,
            loadAverageBefore = r.LoadAverageBefore,
            clients = r.Clients,
            connections = r.Connections,
            listObjects = r.ListObjects,
            create1 = Summary(r.Create1),
            createConcurrent = Summary(r.CreateConcurrent),
            listConsistent = Summary(r.ListConsistent),
            listRv0 = Summary(r.ListRv0),
            listBytes = r.ListBytes,
            rssIdleMiB = Round(r.RssIdleMiB),
            rssWithObjectsMiB = Round(r.RssWithObjectsMiB),
            rssEndMiB = Round(r.RssEndMiB),
            peakRssMiB = Round(r.PeakRssMiB),
            reference = new
            {
                kubernetes = "v1.20",
                create1PerSecond = Creates1PerSecond,
                create1P99Ms = Creates1P99Ms,
                create64PerSecond = new[] { Creates64PerSecondLow, Creates64PerSecondHigh },
                create64P99Ms = Creates64P99Ms,
                listConsistentP50Ms = ListConsistentP50Ms,
                listRv0P50Ms = ListRv0P50Ms,
                rssIdleMiB = RssIdleMiB,
                rssWithObjectsMiB = RssWithObjectsMiB,
                etcdRssWithObjectsMiB = EtcdRssWithObjectsMiB,
            },
        };
        return JsonSerializer.Serialize(doc, JsonOptions);
    }

    private static double? Round(double? v) => v is null ? null : Math.Round(v.Value, 1);

    private static string Load(LatencySummary s) => s.OtherCpuCores is { } c ? $"{c:F2} of {Environment.ProcessorCount} cores" : "?";

    private static string Met(bool met) => met ? "yes" : "NO";

    private static string Ms(double ms) => double.IsNaN(ms) ? "?" : ms < 10 ? ms.ToString("F2", Inv) : ms.ToString("F1", Inv);

    private static string Cpu(LatencySummary s) => $"{(s.ServerCpuMsPerOp is { } c ? Ms(c) : "?")} / {Ms(s.ClientCpuMsPerOp)} ms";
}
