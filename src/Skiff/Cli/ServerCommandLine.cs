using System.CommandLine;
using System.Net;
using Skiff.Server;

namespace Skiff.Cli;

/// <summary>The <c>skiff server</c> command line: flags as k3s names them, bound into <see cref="ServerOptions"/>.</summary>
internal sealed class ServerCommandLine
{
    private readonly Option<string> _dataDir;
    private readonly Option<string> _bindAddress;
    private readonly Option<int> _httpsListenPort;
    private readonly Option<string?> _writeKubeconfig;
    private readonly Option<bool> _disableAgent;
    private readonly Option<bool> _disableControllerManager;
    private readonly Option<bool> _disableScheduler;
    private readonly Option<string?> _schedulerConfig;
    private readonly Option<string?> _encryptionProviderConfig;
    private readonly Option<string?> _datastoreEndpoint;
    private readonly Option<string?> _token;
    private readonly Option<string?> _tokenFile;
    private readonly Option<string?> _advertiseAddress;
    private readonly Option<string?> _nodeMonitorPeriod;
    private readonly Option<string?> _nodeMonitorGracePeriod;
    private readonly Option<string?> _hpaSyncPeriod;
    private readonly Option<long> _defaultNotReadyTolerationSeconds;
    private readonly Option<long> _defaultUnreachableTolerationSeconds;
    private readonly AgentFlags _agent = new();
    private readonly ServiceNetworkingCommandLine _networking = new();
    private readonly Option<string?> _datastoreCaFile;
    private readonly Option<string?> _datastoreCertFile;
    private readonly Option<string?> _datastoreKeyFile;
    private readonly Option<string?> _etcdPrefix;

    /// <summary>Creates the command; <paramref name="defaultDataDir"/> supplies the <c>--data-dir</c> default (it depends on the user).</summary>
    public ServerCommandLine(Func<string> defaultDataDir)
    {
        _dataDir = new Option<string>("--data-dir", "-d")
        {
            Description = "Folder for certificates, tokens, the database and the kubeconfig",
            DefaultValueFactory = _ => defaultDataDir(),
        };
        _bindAddress = new Option<string>("--bind-address")
        {
            Description = "IP address the API server listens on (default 0.0.0.0: every address)",
            DefaultValueFactory = _ => ServerOptions.DefaultBindAddress,
        };
        _bindAddress.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && result.Tokens[0].Value is var value && !IPAddress.TryParse(value, out _))
            {
                result.AddError($"--bind-address: '{value}' is not an IP address");
            }
        });
        _advertiseAddress = new Option<string?>("--advertise-address")
        {
            Description = "IP address published in the endpoints of Service default/kubernetes (default: the bind address, or the default route's IPv4 address)",
        };
        _advertiseAddress.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && result.Tokens[0].Value is var value && !IPAddress.TryParse(value, out _))
            {
                result.AddError($"--advertise-address: '{value}' is not an IP address");
            }
        });
        _httpsListenPort = new Option<int>("--https-listen-port")
        {
            Description = "HTTPS port of the API server",
            DefaultValueFactory = _ => ServerOptions.DefaultHttpsListenPort,
        };
        _httpsListenPort.Validators.Add(result =>
        {
            // Read the token rather than the converted value: a non-number is reported by the parser itself,
            // and converting it here would throw.
            if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, out var value) && value is < 0 or > 65535)
            {
                result.AddError($"--https-listen-port: {value} is not a port number (0-65535)");
            }
        });
        _writeKubeconfig = new Option<string?>("--write-kubeconfig", "-o")
        {
            Description = "Also write the admin kubeconfig to this file (it is always written to DATA/kubeconfig.yaml)",
        };
        _disableAgent = new Option<bool>("--disable-agent")
        {
            Description = "Do not run the node agent in this process",
        };
        _disableControllerManager = new Option<bool>("--disable-controller-manager")
        {
            Description = "Do not run the controllers in this process (as k3s's flag of the same name)",
        };
        _disableScheduler = new Option<bool>("--disable-scheduler")
        {
            Description = "Do not run the scheduler in this process (as k3s's flag of the same name)",
        };
        _schedulerConfig = new Option<string?>("--scheduler-config")
        {
            Description = "KubeSchedulerConfiguration file (kubescheduler.config.k8s.io/v1): profiles, plugins, pluginConfig, percentageOfNodesToScore",
        };
        _encryptionProviderConfig = new Option<string?>("--encryption-provider-config")
        {
            Description = "EncryptionConfiguration file (apiserver.config.k8s.io/v1; aesgcm, aescbc, identity) for encryption at rest; default: Secrets encrypted with AES-GCM under DATA/server/tls/encryption.key",
        };
        _datastoreEndpoint = new Option<string?>("--datastore-endpoint")
        {
            Description = "Datastore: empty or sqlite://PATH for embedded SQLite (default DATA/server/db/state.db), http(s)://HOST:PORT for etcd",
        };
        _datastoreCaFile = new Option<string?>("--datastore-cafile")
        {
            Description = "TLS CA file that signed the etcd server's certificate (https datastore endpoints)",
        };
        _datastoreCertFile = new Option<string?>("--datastore-certfile")
        {
            Description = "TLS client certificate presented to etcd (with --datastore-keyfile)",
        };
        _datastoreKeyFile = new Option<string?>("--datastore-keyfile")
        {
            Description = "Private key of --datastore-certfile",
        };
        _etcdPrefix = new Option<string?>("--etcd-prefix")
        {
            Description = "Prefix of every etcd key (e.g. /cluster-a), so several clusters can share one etcd; none by default",
        };
        _token = new Option<string?>("--token", "-t")
        {
            Description = "Shared secret that agents and other servers join with; it seals the cluster's secrets in the datastore (generated at first start when not given)",
        };
        _tokenFile = new Option<string?>("--token-file")
        {
            Description = "File holding the server token, instead of --token",
        };

        _nodeMonitorPeriod = DurationOption("--node-monitor-period", "How often the node lifecycle controller checks node health (default 5s)");
        _nodeMonitorGracePeriod = DurationOption("--node-monitor-grace-period", "How long a node may go without renewing its Lease before it is marked Unknown and tainted unreachable (default 40s)");
        _hpaSyncPeriod = DurationOption("--horizontal-pod-autoscaler-sync-period", "How often each HorizontalPodAutoscaler is reconciled (default 15s)");
        _defaultNotReadyTolerationSeconds = new Option<long>("--default-not-ready-toleration-seconds")
        {
            Description = "tolerationSeconds of the not-ready:NoExecute toleration added to every pod that has none",
            DefaultValueFactory = _ => 300,
        };
        _defaultUnreachableTolerationSeconds = new Option<long>("--default-unreachable-toleration-seconds")
        {
            Description = "tolerationSeconds of the unreachable:NoExecute toleration added to every pod that has none",
            DefaultValueFactory = _ => 300,
        };

        Command = new Command("server", "Run a Skiff server: the API server and, in this process, the node agent")
        {
            _dataDir,
            _bindAddress,
            _advertiseAddress,
            _httpsListenPort,
            _writeKubeconfig,
            _disableAgent,
            _disableControllerManager,
            _disableScheduler,
            _schedulerConfig,
            _encryptionProviderConfig,
            _datastoreEndpoint,
            _datastoreCaFile,
            _datastoreCertFile,
            _datastoreKeyFile,
            _etcdPrefix,
            _token,
            _tokenFile,
            _nodeMonitorPeriod,
            _nodeMonitorGracePeriod,
            _hpaSyncPeriod,
            _defaultNotReadyTolerationSeconds,
            _defaultUnreachableTolerationSeconds,
        };
        _agent.AddTo(Command);
        _networking.AddTo(Command);
    }

    /// <summary>The <c>server</c> command; the caller sets its action.</summary>
    public Command Command { get; }

    /// <summary>Builds the options from a parse of this command.</summary>
    public ServerOptions Bind(ParseResult parseResult) => new()
    {
        DataDir = parseResult.GetValue(_dataDir)!,
        BindAddress = parseResult.GetValue(_bindAddress)!,
        HttpsListenPort = parseResult.GetValue(_httpsListenPort),
        WriteKubeconfig = parseResult.GetValue(_writeKubeconfig),
        DisableAgent = parseResult.GetValue(_disableAgent),
        DisableControllerManager = parseResult.GetValue(_disableControllerManager),
        DisableScheduler = parseResult.GetValue(_disableScheduler),
        SchedulerConfig = parseResult.GetValue(_schedulerConfig),
        EncryptionProviderConfig = parseResult.GetValue(_encryptionProviderConfig),
        DatastoreEndpoint = parseResult.GetValue(_datastoreEndpoint),
        DatastoreCaFile = parseResult.GetValue(_datastoreCaFile),
        DatastoreCertFile = parseResult.GetValue(_datastoreCertFile),
        DatastoreKeyFile = parseResult.GetValue(_datastoreKeyFile),
        EtcdPrefix = parseResult.GetValue(_etcdPrefix),
        Token = parseResult.GetValue(_token),
        TokenFile = parseResult.GetValue(_tokenFile),
        AdvertiseAddress = parseResult.GetValue(_advertiseAddress),
        NodeMonitorPeriod = Duration(parseResult.GetValue(_nodeMonitorPeriod)),
        NodeMonitorGracePeriod = Duration(parseResult.GetValue(_nodeMonitorGracePeriod)),
        HorizontalPodAutoscalerSyncPeriod = Duration(parseResult.GetValue(_hpaSyncPeriod)),
        DefaultNotReadyTolerationSeconds = parseResult.GetValue(_defaultNotReadyTolerationSeconds),
        DefaultUnreachableTolerationSeconds = parseResult.GetValue(_defaultUnreachableTolerationSeconds),
        NodeName = _agent.NodeName(parseResult),
        NodeIp = _agent.NodeIp(parseResult),
        KubeletPort = _agent.KubeletPort(parseResult),
        ContainerRuntimeEndpoint = _agent.ContainerRuntimeEndpoint(parseResult),
        PodManifestPath = _agent.PodManifestPath(parseResult),
        Eviction = _agent.Eviction(parseResult),
        Networking = _networking.Bind(parseResult),
    };

    /// <summary>A flag taking a positive Go duration (<c>40s</c>, <c>1m30s</c>), as kube-controller-manager's duration flags.</summary>
    private static Option<string?> DurationOption(string name, string description)
    {
        var option = new Option<string?>(name) { Description = description };
        option.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && result.Tokens[0].Value is var value
                && (!Skiff.Api.Validation.GoDurations.TryParse(value, out var d) || d <= TimeSpan.Zero))
            {
                result.AddError($"{name}: '{value}' is not a positive duration (e.g. 40s, 1m30s)");
            }
        });
        return option;
    }

    private static TimeSpan? Duration(string? text) =>
        text is not null && Skiff.Api.Validation.GoDurations.TryParse(text, out var d) ? d : null;
}
