using System.CommandLine;
using Microsoft.Extensions.Logging;
using Skiff.Api.Validation;
using Skiff.Logging;
using Skiff.Server;
using Skiff.Sim;

namespace Skiff.Cli;

/// <summary>The <c>skiff sim</c> command line: N simulated nodes in one process, for scale tests.</summary>
internal sealed class SimCommandLine
{
    private readonly Option<int> _nodes = new("--nodes", "-n") { Description = "How many nodes to simulate (1-16384)", Required = true };
    private readonly Option<string?> _serverDataDir = new("--server-data-dir") { Description = "The data directory of the `skiff server` on this machine (default: the default data directory)" };
    private readonly Option<string?> _kubeconfig = new("--kubeconfig") { Description = "Reach the server with this kubeconfig instead (e.g. a remote server's admin kubeconfig)" };
    private readonly Option<string?> _dataDir = new("--data-dir", "-d") { Description = "Directory for the simulated nodes' files (default: a directory under /tmp)" };
    private readonly Option<string> _prefix = new("--node-name-prefix") { Description = "Nodes are named PREFIX-0 ... PREFIX-(N-1)", DefaultValueFactory = _ => "sim" };
    private readonly Option<string> _startDelay = new("--start-delay") { Description = "How long a simulated container takes to start (Go duration, e.g. 200ms)", DefaultValueFactory = _ => "0s" };
    private readonly Option<double> _failureRate = new("--failure-rate") { Description = "Share of container starts (0-1) that exit at once with code 1", DefaultValueFactory = _ => 0 };
    private readonly Option<int> _cpus = new("--node-cpus") { Description = "CPUs each simulated node reports", DefaultValueFactory = _ => 32 };
    private readonly Option<int> _memoryGi = new("--node-memory-gi") { Description = "Memory each simulated node reports, in GiB", DefaultValueFactory = _ => 256 };
    private readonly Option<bool> _verbose = new("--verbose", "-v") { Description = "Log every node's and pod's events (quiet by default: a thousand nodes log a lot)" };

    public SimCommandLine()
    {
        Command = new Command("sim", "Simulate N nodes (no containers) against a skiff server, for scale tests")
        {
            _nodes, _serverDataDir, _kubeconfig, _dataDir, _prefix, _startDelay, _failureRate, _cpus, _memoryGi, _verbose,
        };
        _startDelay.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && (!GoDurations.TryParse(result.Tokens[0].Value, out var d) || d < TimeSpan.Zero))
            {
                result.AddError($"--start-delay: '{result.Tokens[0].Value}' is not a duration (e.g. 0s, 250ms, 1s)");
            }
        });
        _failureRate.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && double.TryParse(result.Tokens[0].Value, System.Globalization.CultureInfo.InvariantCulture, out var v) && v is < 0 or > 1)
            {
                result.AddError($"--failure-rate: {result.Tokens[0].Value} is not between 0 and 1");
            }
        });
        _nodes.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, out var v) && v is < 1 or > 16384)
            {
                result.AddError($"--nodes: {v} is not between 1 and 16384");
            }
        });
        Command.SetAction(async (parseResult, cancellationToken) =>
        {
            var verbose = parseResult.GetValue(_verbose);
            using var loggerFactory = ConsoleLogging.Create(LogLevel.Information, builder =>
            {
                if (!verbose)
                {
                    builder.AddFilter("Skiff.Sim.Node", LogLevel.Warning).AddFilter("Skiff.Client", LogLevel.Warning);
                }
            });
            GoDurations.TryParse(parseResult.GetValue(_startDelay)!, out var delay);
            var options = new SimOptions
            {
                Nodes = parseResult.GetValue(_nodes),
                ServerDataDir = parseResult.GetValue(_serverDataDir),
                Kubeconfig = parseResult.GetValue(_kubeconfig),
                DataDir = parseResult.GetValue(_dataDir) is { Length: > 0 } dir ? dir : Path.Combine(Path.GetTempPath(), "skiff-sim-" + Environment.ProcessId),
                NamePrefix = parseResult.GetValue(_prefix)!,
                StartDelay = delay,
                FailureRate = parseResult.GetValue(_failureRate),
                Cpus = parseResult.GetValue(_cpus),
                MemoryBytes = (long)parseResult.GetValue(_memoryGi) << 30,
            };
            return await new SimCommand(loggerFactory, TimeProvider.System).RunAsync(options, cancellationToken).ConfigureAwait(false);
        });
    }

    public Command Command { get; }
}
