using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Skiff.ApiServer;
using Skiff.Bootstrap;
using Skiff.Certificates;
using Skiff.Client.Api;
using Skiff.Controllers.Manager;
using Skiff.IO;
using Skiff.Kubeconfig;
using Skiff.Scheduler.Host;
using Skiff.Storage;
using Skiff.Tokens;

namespace Skiff.Server;

/// <summary>
/// <c>skiff server</c>: prepares the data directory and the cluster's certificates and tokens, opens the
/// store, starts the API server, writes the admin kubeconfig, and runs until cancelled (SIGTERM/SIGINT),
/// then stops the API server before closing the store. The shape follows k3s's pkg/cli/server: flags
/// become an options object, and this class only composes the parts.
/// </summary>
internal sealed partial class ServerCommand(ILoggerFactory loggerFactory, TimeProvider timeProvider)
{
    /// <summary>How long a stop waits for in-flight requests before the store is closed under them.</summary>
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly ILoggerFactory _loggerFactory = loggerFactory;
    private readonly TimeProvider _timeProvider = timeProvider;

    /// <summary>One Prometheus registry for the API server and the controllers of this process, served at /metrics.</summary>
    private readonly Prometheus.CollectorRegistry _metrics = Prometheus.Metrics.NewCustomRegistry();
    private readonly ILogger _logger = loggerFactory.CreateLogger("Skiff.Server");
    private readonly TaskCompletionSource<Uri> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Completes with the API server's URL once the server is ready and the kubeconfig is written (the moment
    /// the ready line is logged); cancelled if the run ends before that. Lets in-process callers wait without polling.
    /// </summary>
    public Task<Uri> Ready => _ready.Task;

    /// <summary>Runs the server until <paramref name="cancellationToken"/> fires; returns the process exit code. Call once per instance.</summary>
    public async Task<int> RunAsync(ServerOptions options, CancellationToken cancellationToken)
    {
        try
        {
            await RunCoreAsync(options, cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // SIGTERM/SIGINT, whether before or after ready, is a clean stop.
            LogStopped(_logger);
            return 0;
        }
        catch (StartupException ex)
        {
            LogFatal(_logger, ex.Message);
            return 1;
        }
        catch (Exception ex)
        {
            LogUnexpected(_logger, ex);
            return 1;
        }
        finally
        {
            _ready.TrySetCanceled(CancellationToken.None);
        }
    }

    private async Task RunCoreAsync(ServerOptions options, CancellationToken cancellationToken)
    {
        var bindAddress = ParseBindAddress(options.BindAddress);
        if (options.HttpsListenPort is < 0 or > 65535)
        {
            throw new StartupException($"--https-listen-port: {options.HttpsListenPort} is not a port number (0-65535)");
        }

        // A bad scheduler configuration stops start-up before anything is opened, like kube-scheduler --config.
        var schedulerConfiguration = LoadSchedulerConfiguration(options.SchedulerConfig);

        var data = new DataDirectory(options.DataDir);
        var datastore = DatastoreEndpoint.Parse(options.DatastoreEndpoint, data.DefaultDatabasePath);
        if (datastore.Kind == DatastoreKind.Etcd)
        {
            LogStartingEtcd(_logger, data.Root, string.Join(",", datastore.EtcdEndpoints), options.EtcdPrefix ?? string.Empty);
        }
        else
        {
            LogStarting(_logger, data.Root, datastore.SqlitePath!);
        }

        var advertiseAddress = ResolveAdvertiseAddress(options.AdvertiseAddress, bindAddress);
        var (token, tokenIsNew) = PrepareServerToken(data, ReadRequestedToken(options));
        IStore backend = datastore.Kind == DatastoreKind.Etcd
            ? await DatastoreOpener.OpenEtcdAsync(datastore, DatastoreTls.From(options), _loggerFactory, cancellationToken).ConfigureAwait(false)
            : await DatastoreOpener.OpenSqliteAsync(datastore.SqlitePath!, _loggerFactory, cancellationToken).ConfigureAwait(false);
        Skiff.Storage.Encryption.ValueTransformer encryption;
        try
        {
            // The cluster's secrets (CA, keys, the encryption key among them) come from the datastore first.
            await SyncClusterSecretsAsync(data, backend, token, cancellationToken).ConfigureAwait(false);
            encryption = PrepareEncryption(data, options.EncryptionProviderConfig);
        }
        catch
        {
            await backend.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // Secrets (or what --encryption-provider-config names) are encrypted on their way into the datastore and
        // decrypted on every read and watch, so neither the database file nor etcd holds them in plaintext.
        await using var store = new Skiff.Storage.Encryption.EncryptingStore(backend, encryption);
        if (tokenIsNew)
        {
            // Only now: a start refused by the cluster (another token) leaves no token behind to trip the next start.
            new ServerTokens(data.ServerDirectory, _logger).SaveServerToken(token);
        }

        using var certificates = PrepareCertificates(data, bindAddress, advertiseAddress, out var tokens);
        using var kubeletClient = new CertificateFactory(_timeProvider).CreateClientCertificate(certificates.CertificateAuthority, "kube-apiserver-kubelet-client", ["system:masters"]);
        using var serviceAccountKey = PrepareServiceAccountKey(data);
        var apiOptions = new ApiServerOptions
        {
            BindAddress = bindAddress.ToString(),
            AdvertiseAddress = advertiseAddress?.ToString(),
            Port = options.HttpsListenPort,
            ServingCertificate = certificates.Serving,
            ClientCaCertificate = certificates.CertificateAuthority,
            Tokens = tokens,
            MetricsRegistry = _metrics,
            DefaultNotReadyTolerationSeconds = options.DefaultNotReadyTolerationSeconds,
            DefaultUnreachableTolerationSeconds = options.DefaultUnreachableTolerationSeconds,
            KubeletClientCertificate = kubeletClient,
            ServiceAccountSigningKey = serviceAccountKey,
        };

        IApiServer apiServer;
        try
        {
            apiServer = await ApiServerHost.StartAsync(apiOptions, store, _loggerFactory, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ListenFailure.Describe(ex) is { } reason)
        {
            throw new StartupException($"cannot listen on {FormatEndpoint(bindAddress, options.HttpsListenPort)}: {reason}", ex);
        }

        await using (apiServer.ConfigureAwait(false))
        {
            using var stopControllers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var controllers = Task.CompletedTask;
            var scheduler = Task.CompletedTask;
            var agent = Task.CompletedTask;
            var networking = Task.CompletedTask;
            try
            {
                await apiServer.Ready.WaitAsync(cancellationToken).ConfigureAwait(false);

                var serverUrl = AdminKubeconfig.ServerUrl(bindAddress, apiServer.Address.Port);
                WriteKubeconfigs(data, options.WriteKubeconfig, serverUrl, certificates);

                if (options.DisableAgent)
                {
                    LogAgentDisabled(_logger);
                }
                else
                {
                    agent = RunAgentAsync(data, serverUrl, certificates, options, stopControllers.Token);
                    networking = RunServiceNetworkingAsync(data.KubeconfigPath, options.Networking, Agent.NodeAgentRunner.NodeName(options.NodeName), stopControllers.Token);
                }

                controllers = options.DisableControllerManager
                    ? Task.CompletedTask
                    : RunControllerManagerAsync(data.KubeconfigPath, data.StorageDirectory, options, certificates.CertificateAuthority, serviceAccountKey, stopControllers.Token);
                if (!options.DisableScheduler)
                {
                    scheduler = RunSchedulerAsync(data.KubeconfigPath, schedulerConfiguration, stopControllers.Token);
                }
                LogReady(_logger, serverUrl.GetLeftPart(UriPartial.Authority), data.KubeconfigPath);
                _ready.TrySetResult(serverUrl);
                await new IdleMemoryTrimmer(_timeProvider, _loggerFactory.CreateLogger<IdleMemoryTrimmer>()).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                LogStopping(_logger);
                await stopControllers.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(controllers, scheduler, agent, networking).WaitAsync(StopTimeout, _timeProvider, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                using var stopTimeout = new CancellationTokenSource(StopTimeout, _timeProvider);
                await apiServer.StopAsync(stopTimeout.Token).ConfigureAwait(false);
            }
        }

        // Leaving the scopes disposes the API server, then the store, then the certificates.
    }

    /// <summary>
    /// Runs the controller manager as an API client of this server (DESIGN rule 1), under leader election so a
    /// second server on the same store stays idle. It uses the admin identity until RBAC gives it its own (issue 10).
    /// </summary>
    private Task RunControllerManagerAsync(string kubeconfigPath, string storageDirectory, ServerOptions options, System.Security.Cryptography.X509Certificates.X509Certificate2 ca, System.Security.Cryptography.ECDsa serviceAccountKey, CancellationToken cancellationToken) =>
        SuperviseAsync("controller manager", async ct =>
        {
            var configuration = k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
            using var connection = new ApiConnection(configuration);
            var managerOptions = new ControllerManagerOptions { MetricsRegistry = _metrics, LocalPathStorageDirectory = storageDirectory, RootCaCertificatePem = ca.ExportCertificatePem() + "\n", ClusterSigningCertificate = ca, ServiceLb = !options.Networking.DisableServiceLb };
            // Legacy Secret-based tokens are signed with the key the API server verifies service-account tokens with.
            var tokenCodec = new Skiff.ApiServer.Authentication.ServiceAccounts.ServiceAccountTokenCodec(serviceAccountKey);
            managerOptions.LegacyTokenSigner = tokenCodec.SignLegacy;
            var nodes = managerOptions.NodesAndAutoscaling;
            nodes.NodeLifecycle.NodeMonitorPeriod = options.NodeMonitorPeriod ?? nodes.NodeLifecycle.NodeMonitorPeriod;
            nodes.NodeLifecycle.NodeMonitorGracePeriod = options.NodeMonitorGracePeriod ?? nodes.NodeLifecycle.NodeMonitorGracePeriod;
            nodes.PodAutoscaler.SyncPeriod = options.HorizontalPodAutoscalerSyncPeriod ?? nodes.PodAutoscaler.SyncPeriod;
            var manager = new ControllerManager(connection, managerOptions, _timeProvider, _loggerFactory);
            await manager.RunAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>
    /// Runs the scheduler as an API client of this server, next to the controller manager and like it under
    /// leader election (its own kube-scheduler Lease in kube-system), with the admin identity until issue 10.
    /// </summary>
    private Task RunSchedulerAsync(string kubeconfigPath, Skiff.Scheduler.Configuration.SchedulerConfiguration configuration, CancellationToken cancellationToken) =>
        SuperviseAsync("scheduler", async ct =>
        {
            var client = k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
            using var connection = new ApiConnection(client) { UserAgent = "skiff-scheduler" };
            var host = new SchedulerHost(connection, new SchedulerOptions { Configuration = configuration }, _timeProvider, _loggerFactory);
            await host.RunAsync(ct).ConfigureAwait(false);
        }, cancellationToken);

    /// <summary>Reads and validates <c>--scheduler-config</c>; an unreadable or invalid file is a start-up error naming the field.</summary>
    private static Skiff.Scheduler.Configuration.SchedulerConfiguration LoadSchedulerConfiguration(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return new Skiff.Scheduler.Configuration.SchedulerConfiguration();
        }

        try
        {
            return Skiff.Scheduler.Configuration.SchedulerConfiguration.Load(path);
        }
        catch (ArgumentException ex)
        {
            throw new StartupException("--scheduler-config " + ex.Message, ex);
        }
    }

    /// <summary>
    /// Keeps an in-process component running: where Kubernetes would restart a crashed kube-controller-manager or
    /// kube-scheduler process, this restarts the component after a pause (it gives up its Lease when it stops,
    /// so it campaigns again like a fresh process).
    /// </summary>
    private async Task SuperviseAsync(string component, Func<CancellationToken, Task> run, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            // Each attempt gets its own token, cancelled when the attempt ends however it ends, so whatever it started
            // (informers, watches) stops with it instead of outliving the connection it was given.
            using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                await run(attempt.Token).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogComponentFailed(_logger, component, delay.TotalSeconds, ex);
            }
            finally
            {
                await attempt.CancelAsync().ConfigureAwait(false);
            }

            try
            {
                await Task.Delay(delay, _timeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
        }
    }

    /// <summary>
    /// The encryption-at-rest rules: those of <c>--encryption-provider-config</c> when given (kube-apiserver's flag),
    /// else Secrets under the cluster's generated AES-GCM key in DATA/server/tls.
    /// </summary>
    private Skiff.Storage.Encryption.ValueTransformer PrepareEncryption(DataDirectory data, string? configPath)
    {
        if (!string.IsNullOrEmpty(configPath))
        {
            return Skiff.Encryption.EncryptionConfigurationFile.Load(configPath);
        }

        try
        {
            return Skiff.Encryption.EncryptionConfigurationFile.Default(Skiff.Encryption.EncryptionKeyFile.Ensure(Path.Combine(data.TlsDirectory, Skiff.Encryption.EncryptionKeyFile.FileName), _logger));
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new StartupException($"data directory {data.Root} is not usable: {ex.Message}", ex);
        }
    }

    private System.Security.Cryptography.ECDsa PrepareServiceAccountKey(DataDirectory data)
    {
        try
        {
            return ServiceAccountKey.Ensure(Path.Combine(data.TlsDirectory, ServiceAccountKey.FileName), _logger);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new StartupException($"data directory {data.Root} is not usable: {ex.Message}", ex);
        }
    }

    /// <summary>The token asked for with <c>--token</c> or <c>--token-file</c> (null: keep the stored one, or make one).</summary>
    private static string? ReadRequestedToken(ServerOptions options)
    {
        if (string.IsNullOrEmpty(options.TokenFile))
        {
            return options.Token;
        }

        if (options.Token is not null)
        {
            throw new StartupException("--token and --token-file cannot both be given");
        }

        try
        {
            var token = File.ReadAllText(options.TokenFile).Trim();
            return token.Length > 0 ? token : throw new StartupException($"--token-file {options.TokenFile} is empty");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new StartupException($"--token-file {options.TokenFile} cannot be read: {ex.Message}", ex);
        }
    }

    private (string Token, bool IsNew) PrepareServerToken(DataDirectory data, string? requested)
    {
        try
        {
            Directory.CreateDirectory(data.Root);
            SecureFile.EnsureDirectory(data.ServerDirectory, SecureFile.PrivateDirectory);
            return new ServerTokens(data.ServerDirectory, _logger).ResolveServerToken(requested);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new StartupException($"data directory {data.Root} is not usable: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Makes this server's cluster-wide secrets (CA, service-account key, token file) those of the cluster in the
    /// datastore, or, for the first server of a cluster, creates them and stores them there sealed with the token.
    /// </summary>
    private async Task SyncClusterSecretsAsync(DataDirectory data, IStore store, string token, CancellationToken cancellationToken)
    {
        var bootstrap = new ClusterBootstrap(store, BootstrapKey.Derive(token), data.ServerDirectory, _logger);
        var certificateStore = new ClusterCertificateStore(new TlsFiles(data.TlsDirectory), new CertificateFactory(_timeProvider), _timeProvider, _logger);
        try
        {
            await bootstrap.SyncAsync(() =>
            {
                // One line per cluster-wide secret (see ClusterSecretFiles); each leaves an existing file alone.
                certificateStore.EnsureCertificateAuthorityFiles();
                ServiceAccountKey.Ensure(Path.Combine(data.TlsDirectory, ServiceAccountKey.FileName), _logger).Dispose();
                new ServerTokens(data.ServerDirectory, _logger).EnsureTokenFile();
                Skiff.Encryption.EncryptionKeyFile.Ensure(Path.Combine(data.TlsDirectory, Skiff.Encryption.EncryptionKeyFile.FileName), _logger);
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (BootstrapDataException ex)
        {
            throw new StartupException($"cannot use the cluster's bootstrap data: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new StartupException($"data directory {data.Root} is not usable: {ex.Message}", ex);
        }
    }

    private ClusterCertificates PrepareCertificates(DataDirectory data, IPAddress bindAddress, IPAddress? advertiseAddress, out IReadOnlyDictionary<string, UserInfo> tokens)
    {
        try
        {
            tokens = new ServerTokens(data.ServerDirectory, _logger).EnsureTokenFile()
                .ToDictionary(e => e.Token, e => new UserInfo(e.User, e.Uid, e.Groups), StringComparer.Ordinal);

            var names = ServingNames.For(bindAddress, HostName(), HostAddresses(), advertiseAddress);
            var store = new ClusterCertificateStore(new TlsFiles(data.TlsDirectory), new CertificateFactory(_timeProvider), _timeProvider, _logger);
            return store.Ensure(names);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new StartupException($"data directory {data.Root} is not usable: {ex.Message}", ex);
        }
    }

    /// <summary><c>--advertise-address</c>, else the bind address when it is a specific non-loopback one, else the default route's address.</summary>
    private static IPAddress? ResolveAdvertiseAddress(string? value, IPAddress bindAddress)
    {
        if (!string.IsNullOrEmpty(value))
        {
            if (!IPAddress.TryParse(value, out var address) || ServingNames.IsWildcard(address) || IPAddress.IsLoopback(address))
            {
                throw new StartupException($"--advertise-address: '{value}' is not a usable address (an IP address that is neither loopback nor 0.0.0.0/::)");
            }

            return address;
        }

        return !ServingNames.IsWildcard(bindAddress) && !IPAddress.IsLoopback(bindAddress) ? bindAddress : AdvertiseAddress.Detect();
    }

    private void WriteKubeconfigs(DataDirectory data, string? extraPath, Uri serverUrl, ClusterCertificates certificates)
    {
        var paths = new List<string> { data.KubeconfigPath };
        if (!string.IsNullOrWhiteSpace(extraPath) && Path.GetFullPath(extraPath) != data.KubeconfigPath)
        {
            paths.Add(Path.GetFullPath(extraPath));
        }

        foreach (var path in paths)
        {
            try
            {
                AdminKubeconfig.Write(path, serverUrl, certificates);
                LogWroteKubeconfig(_logger, path);
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
            {
                throw new StartupException($"cannot write the kubeconfig {path}: {ex.Message}", ex);
            }
        }
    }

    private static IPAddress ParseBindAddress(string value)
    {
        if (!IPAddress.TryParse(value, out var address))
        {
            throw new StartupException($"--bind-address: '{value}' is not an IP address");
        }

        return address;
    }

    private static string FormatEndpoint(IPAddress address, int port) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";

    private static string HostName()
    {
        try
        {
            return System.Net.Dns.GetHostName();
        }
        catch (SocketException)
        {
            return string.Empty;
        }
    }

    /// <summary>The machine's usable unicast addresses, for the serving certificate of a wildcard bind.</summary>
    private static IEnumerable<IPAddress> HostAddresses()
    {
        try
        {
            return NetworkInterface.GetAllNetworkInterfaces()
                .Where(nic => nic.OperationalStatus is OperationalStatus.Up or OperationalStatus.Unknown)
                .SelectMany(nic => nic.GetIPProperties().UnicastAddresses)
                .Select(unicast => unicast.Address)
                .Where(address => !address.IsIPv6LinkLocal)
                .ToArray();
        }
        catch (NetworkInformationException)
        {
            // Without interface information the certificate still covers loopback and the host name.
            return [];
        }
    }
}
