using System.Globalization;

namespace Skiff.Bench.ApiServer;

/// <summary>Command-line options of the API server benchmark.</summary>
internal sealed class BenchOptions
{
    public const string Usage = """
        Skiff API server benchmark: creates/s and latency of 1 KiB ConfigMaps, LIST latency and server RSS.

        usage: dotnet run -c Release --project bench/Skiff.Bench.ApiServer -- [options]

        By default it starts `dotnet <repo>/src/Skiff/bin/Release/net10.0/skiff.dll server` on a free
        loopback port with a temporary data directory, and stops it with SIGTERM at the end.

          --kubeconfig FILE      measure an already running server reached with this kubeconfig
          --pid PID              that server's process id (for RSS and CPU; optional with --kubeconfig)
          --skiff PATH           the skiff.dll (or skiff executable) to start instead of the default
          --datastore-endpoint URL  the started server's --datastore-endpoint (e.g. http://127.0.0.1:2379 for etcd;
                                 default: its embedded SQLite)
          --server-env K=V       extra environment variable for the started server (repeatable),
                                 e.g. DOTNET_PerfMapEnabled=1 for perf
          --creates-1 N          measured creates with 1 client (default 5000)
          --creates-64 N         measured creates with the concurrent clients (default 20000)
          --clients N            concurrent clients of the concurrent test (default 64)
          --connections N        HTTP/2 connections the clients share (default 1, like one client-go transport)
          --list-objects N       ConfigMaps to LIST (default 10000)
          --lists N              measured LIST requests per mode (default 30)
          --phases LIST          comma-separated subset of list,create1,create64 (default all)
          --scale X              multiply every count by X (e.g. 0.1 for a quick run)
          --keep                 keep the temporary data directory and server log
          --with-controllers     also run the controller manager and scheduler in the started server (by default the
                                 benchmark measures the API server alone, as the reference did)
        """;

    public string? Kubeconfig { get; private set; }

    public int? Pid { get; private set; }

    public string? SkiffPath { get; private set; }

    public List<KeyValuePair<string, string>> ServerEnvironment { get; } = [];

    public string? DatastoreEndpoint { get; private set; }

    public int Creates1 { get; private set; } = 5_000;

    public int CreatesConcurrent { get; private set; } = 20_000;

    public int Clients { get; private set; } = 64;

    public int Connections { get; private set; } = 1;

    public int ListObjects { get; private set; } = 10_000;

    public int Lists { get; private set; } = 30;

    public HashSet<string> Phases { get; private set; } = new(StringComparer.Ordinal) { "list", "create1", "create64" };

    public bool Keep { get; private set; }

    public bool WithControllers { get; private set; }

    public bool Help { get; private set; }

    /// <summary>Parses <paramref name="args"/>; throws <see cref="ArgumentException"/> with a readable message.</summary>
    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        var scale = 1.0;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            int NextInt() => int.TryParse(Next(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v > 0
                ? v
                : throw new ArgumentException($"{arg} needs a positive integer");
            switch (arg)
            {
                case "--kubeconfig": o.Kubeconfig = Next(); break;
                case "--pid": o.Pid = NextInt(); break;
                case "--skiff": o.SkiffPath = Next(); break;
                case "--datastore-endpoint": o.DatastoreEndpoint = Next(); break;
                case "--server-env":
                    var kv = Next().Split('=', 2);
                    if (kv.Length != 2 || kv[0].Length == 0)
                    {
                        throw new ArgumentException("--server-env needs KEY=VALUE");
                    }

                    o.ServerEnvironment.Add(new(kv[0], kv[1]));
                    break;
                case "--creates-1": o.Creates1 = NextInt(); break;
                case "--creates-64": o.CreatesConcurrent = NextInt(); break;
                case "--clients": o.Clients = NextInt(); break;
                case "--connections": o.Connections = NextInt(); break;
                case "--list-objects": o.ListObjects = NextInt(); break;
                case "--lists": o.Lists = NextInt(); break;
                case "--phases":
                    o.Phases = new HashSet<string>(Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.Ordinal);
                    if (o.Phases.Count == 0 || o.Phases.Any(p => p is not ("list" or "create1" or "create64")))
                    {
                        throw new ArgumentException("--phases takes a comma-separated subset of list,create1,create64");
                    }

                    break;
                case "--scale":
                    scale = double.TryParse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0
                        ? s
                        : throw new ArgumentException("--scale needs a positive number");
                    break;
                case "--keep": o.Keep = true; break;
                case "--with-controllers": o.WithControllers = true; break;
                case "-h" or "--help": o.Help = true; break;
                default: throw new ArgumentException($"unknown argument {arg}");
            }
        }

        if (o.Pid is not null && o.Kubeconfig is null)
        {
            throw new ArgumentException("--pid needs --kubeconfig (without --kubeconfig the benchmark starts its own server)");
        }

        int Scaled(int n) => Math.Max(1, (int)Math.Round(n * scale));
        o.Creates1 = Scaled(o.Creates1);
        o.CreatesConcurrent = Scaled(o.CreatesConcurrent);
        o.ListObjects = Scaled(o.ListObjects);
        o.Lists = Math.Max(3, Scaled(o.Lists));
        return o;
    }
}
