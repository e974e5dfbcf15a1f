using System.CommandLine;
using System.Net;

namespace Skiff.Cli;

/// <summary>The node agent's flags, shared by <c>skiff server</c> and <c>skiff agent</c> (names as k3s's).</summary>
internal sealed class AgentFlags
{
    private readonly Option<string?> _nodeName = new("--node-name") { Description = "The node's name (default: the host name)" };
    private readonly Option<string?> _nodeIp = new("--node-ip") { Description = "The node's InternalIP (default: the first non-loopback IPv4 address, else 127.0.0.1)" };
    private readonly Option<int> _kubeletPort = new("--kubelet-port") { Description = "HTTPS port of the node agent's server (logs); 0 picks a free one", DefaultValueFactory = _ => 10250 };
    private readonly Option<string?> _runtimeEndpoint = new("--container-runtime-endpoint") { Description = "An existing CRI socket (unix path) to use instead of starting containerd" };
    private readonly Option<string?> _podManifestPath = new("--pod-manifest-path") { Description = "Directory of static pod manifests (default: DATA/agent/pod-manifests)" };
    private readonly Option<string?> _evictionHard = new("--eviction-hard") { Description = "Hard eviction thresholds, e.g. memory.available<100Mi,nodefs.available<10% (default: kubelet's; any value replaces them all)" };
    private readonly Option<string?> _evictionSoft = new("--eviction-soft") { Description = "Soft eviction thresholds, e.g. memory.available<1Gi (each needs --eviction-soft-grace-period)" };
    private readonly Option<string?> _evictionSoftGracePeriod = new("--eviction-soft-grace-period") { Description = "Grace periods of the soft thresholds, e.g. memory.available=1m30s" };
    private readonly Option<string?> _evictionMinimumReclaim = new("--eviction-minimum-reclaim") { Description = "Minimum amount to reclaim once a threshold is met, e.g. nodefs.available=500Mi" };
    private readonly Option<string?> _evictionPressureTransitionPeriod = new("--eviction-pressure-transition-period") { Description = "How long a pressure condition stays True after its threshold was last met (default 5m)" };
    private readonly Option<long> _evictionMaxPodGracePeriod = new("--eviction-max-pod-grace-period") { Description = "Longest grace period (seconds) of pods evicted for a soft threshold, capped by the pod's own (default 0; below the 2 s minimum the minimum applies)" };
    private readonly Option<string?> _evictionMonitoringInterval = new("--eviction-monitoring-interval") { Description = "How often the eviction manager observes the node and evicts at most one pod (default 10s)" };

    public AgentFlags()
    {
        _nodeIp.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && !IPAddress.TryParse(result.Tokens[0].Value, out _))
            {
                result.AddError($"--node-ip: '{result.Tokens[0].Value}' is not an IP address");
            }
        });
        _kubeletPort.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, out var value) && value is < 0 or > 65535)
            {
                result.AddError($"--kubelet-port: {value} is not a port number (0-65535)");
            }
        });
    }

    public void AddTo(Command command)
    {
        command.Options.Add(_evictionHard);
        command.Options.Add(_evictionSoft);
        command.Options.Add(_evictionSoftGracePeriod);
        command.Options.Add(_evictionMinimumReclaim);
        command.Options.Add(_evictionPressureTransitionPeriod);
        command.Options.Add(_evictionMaxPodGracePeriod);
        command.Options.Add(_evictionMonitoringInterval);
        command.Validators.Add(result =>
        {
            try
            {
                _ = Eviction(result.GetValue(_evictionHard), result.GetValue(_evictionSoft), result.GetValue(_evictionSoftGracePeriod), result.GetValue(_evictionMinimumReclaim),
                    result.GetValue(_evictionPressureTransitionPeriod), result.GetValue(_evictionMaxPodGracePeriod), result.GetValue(_evictionMonitoringInterval));
            }
            catch (FormatException ex)
            {
                result.AddError(ex.Message);
            }
            catch (InvalidOperationException)
            {
                // A value that is not even of the flag's type: System.CommandLine reports that conversion error itself.
            }
        });
        command.Options.Add(_nodeName);
        command.Options.Add(_nodeIp);
        command.Options.Add(_kubeletPort);
        command.Options.Add(_runtimeEndpoint);
        command.Options.Add(_podManifestPath);
    }

    public string? NodeName(ParseResult parseResult) => parseResult.GetValue(_nodeName);

    public string? NodeIp(ParseResult parseResult) => parseResult.GetValue(_nodeIp);

    public int KubeletPort(ParseResult parseResult) => parseResult.GetValue(_kubeletPort);

    public string? ContainerRuntimeEndpoint(ParseResult parseResult) => parseResult.GetValue(_runtimeEndpoint);

    public string? PodManifestPath(ParseResult parseResult) => parseResult.GetValue(_podManifestPath);

    /// <summary>The eviction settings of the flags (validated at parse time, so this does not throw after a successful parse).</summary>
    public Kubelet.Eviction.EvictionOptions Eviction(ParseResult parseResult) =>
        Eviction(parseResult.GetValue(_evictionHard), parseResult.GetValue(_evictionSoft), parseResult.GetValue(_evictionSoftGracePeriod), parseResult.GetValue(_evictionMinimumReclaim),
            parseResult.GetValue(_evictionPressureTransitionPeriod), parseResult.GetValue(_evictionMaxPodGracePeriod), parseResult.GetValue(_evictionMonitoringInterval));

    private static Kubelet.Eviction.EvictionOptions Eviction(string? hard, string? soft, string? softGrace, string? minimumReclaim, string? transition, long maxPodGrace, string? interval)
    {
        return new Kubelet.Eviction.EvictionOptions
        {
            Thresholds = Kubelet.Eviction.EvictionThresholds.Parse(hard, soft, softGrace, minimumReclaim),
            PressureTransitionPeriod = Duration("--eviction-pressure-transition-period", transition, allowZero: true) ?? TimeSpan.FromMinutes(5),
            MaxPodGracePeriodSeconds = maxPodGrace,
            MonitoringInterval = Duration("--eviction-monitoring-interval", interval, allowZero: false) ?? TimeSpan.FromSeconds(10),
        };
    }

    private static TimeSpan? Duration(string flag, string? text, bool allowZero)
    {
        if (text is null)
        {
            return null;
        }

        if (!Skiff.Api.Validation.GoDurations.TryParse(text, out var d) || d < TimeSpan.Zero || (!allowZero && d == TimeSpan.Zero))
        {
            throw new FormatException($"{flag}: '{text}' is not a {(allowZero ? "non-negative" : "positive")} duration (e.g. 30s, 5m)");
        }

        return d;
    }
}
