using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Certificates;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Dns;
using Skiff.Join;
using Skiff.Kubeconfig;
using Skiff.Kubelet.Host;
using Skiff.Proxy;
using Skiff.Server;

namespace Skiff.Agent;

/// <summary>
/// <c>skiff agent --server URL --token TOKEN</c>: joins a remote server as a worker. The agent trusts the server's CA
/// by the hash in the token, gets its node client certificate through the TLS bootstrap (renewed through another
/// CertificateSigningRequest at 80 % of its lifetime), asks for a kubelet-serving certificate (approved by an admin
/// with <c>kubectl certificate approve</c>, as Kubernetes requires; until then it serves with a temporary
/// self-signed one), refuses a node name that a live Node of another machine holds, then runs the node agent,
/// the Service proxy and the cluster DNS with its node identity.
/// </summary>
internal static partial class AgentCommand
{
    /// <summary>The Node annotation holding the id of the agent that registered it (see <see cref="AgentIdentity.NodeId"/>).</summary>
    public const string NodeIdAnnotation = "skiff.io/node-id";

    public static async Task<int> RunJoinAsync(JoinSettings settings, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger("Skiff.Agent");
        try
        {
            var token = JoinToken.TryParse(settings.Token, settings.CaCertHash, out var tokenError)
                ?? throw new StartupException("--token: " + tokenError);
            if (!Uri.TryCreate(settings.Server, UriKind.Absolute, out var server) || server.Scheme != Uri.UriSchemeHttps)
            {
                throw new StartupException($"--server: '{settings.Server}' is not an https:// URL (e.g. https://192.168.1.10:6443)");
            }

            var time = TimeProvider.System;
            var baseOptions = NodeAgentRunner.AgentOptions(settings.DataDir, settings.NodeName, settings.NodeIp, settings.KubeletPort, eviction: settings.Eviction);
            var identity = new AgentIdentity(new AgentPaths(settings.DataDir).TlsDirectory, time);
            var bootstrap = new TlsBootstrap(server, time, logger);
            using var ca = identity.LoadCa(token.CaHash!) ?? await bootstrap.FetchCaAsync(token.CaHash!, cancellationToken).ConfigureAwait(false);
            identity.SaveCa(ca);
            var user = "system:node:" + baseOptions.NodeName;
            var nodeId = identity.NodeId();

            var signedServing = identity.LoadServing(ca);
            var serving = new ServingCertificate(signedServing ?? SelfSigned(baseOptions.NodeName, baseOptions.NodeAddress), signedServing is not null);
            var options = NodeAgentRunner.AgentOptions(settings.DataDir, settings.NodeName, settings.NodeIp, settings.KubeletPort, () => serving.Current, eviction: settings.Eviction);
            var servingRequest = Task.CompletedTask;
            using var stopAll = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                var checkedName = false;
                while (!cancellationToken.IsCancellationRequested)
                {
                    using var client = await ClientCertificateAsync(identity, bootstrap, ca, user, token, time, logger, cancellationToken).ConfigureAwait(false);
                    using var connection = NodeConnection(server, ca, client, options.NodeName, logger);
                    if (!checkedName)
                    {
                        await CheckNodeNameAsync(connection, options.NodeName, nodeId, logger, cancellationToken).ConfigureAwait(false);
                        checkedName = true;
                    }

                    if (!serving.Issued && servingRequest.IsCompleted)
                    {
                        servingRequest = RequestServingCertificateAsync(bootstrap, identity, server, ca, client, options, serving, logger, stopAll.Token);
                    }

                    using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    var renewal = RenewWhenDueAsync(client, time, logger, run);
                    await RunNodeAsync(options, connection, new ComponentIdentities(bootstrap, server, ca, connection, logger), serving.Current, ca, settings, nodeId, time, loggerFactory, run.Token).ConfigureAwait(false);
                    await run.CancelAsync().ConfigureAwait(false);
                    await renewal.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
            finally
            {
                await stopAll.CancelAsync().ConfigureAwait(false);
                await servingRequest.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }

            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (StartupException ex)
        {
            LogFatal(logger, ex.Message);
            return 1;
        }
    }

    /// <summary>
    /// The node client certificate: the stored one while it is not due; else a renewal requested with the stored one while
    /// it is still valid (auto-approved as selfnodeclient); else a new one through the bootstrap token.
    /// </summary>
    private static async Task<X509Certificate2> ClientCertificateAsync(AgentIdentity identity, TlsBootstrap bootstrap, X509Certificate2 ca, string user,
        JoinToken token, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        if (identity.LoadClient(ca, user, allowDue: false) is { } current)
        {
            return current;
        }

        string[] usages = ["digital signature", "client auth"];
        if (identity.LoadClient(ca, user, allowDue: true) is { } due)
        {
            using (due)
            {
                try
                {
                    using var renewConnection = new ApiConnection(k8s.KubernetesClientConfiguration.BuildConfigFromConfigObject(AdminKubeconfig.Build(bootstrap.Server, ca, due)));
                    var (key, pem, _) = await bootstrap.RequestAsync(renewConnection, user, "kubernetes.io/kube-apiserver-client-kubelet", usages, null, cancellationToken).ConfigureAwait(false);
                    using (key)
                    {
                        LogRenewed(logger, user);
                        return AgentIdentity.Save(identity.ClientCertificate, identity.ClientKey, pem, key);
                    }
                }
                catch (StartupException ex)
                {
                    LogRenewFailed(logger, user, ex.Message);
                }
            }
        }

        using var tokenConnection = bootstrap.TokenConnection(ca, token.BearerToken);
        var (newKey, certificate, _) = await bootstrap.RequestAsync(tokenConnection, user, "kubernetes.io/kube-apiserver-client-kubelet", usages, null, cancellationToken).ConfigureAwait(false);
        using (newKey)
        {
            LogJoined(logger, user);
            return AgentIdentity.Save(identity.ClientCertificate, identity.ClientKey, certificate, newKey);
        }
    }

    /// <summary>The node identity's connection; with <paramref name="forbiddenLog"/>, refused requests are logged naming the node agent.</summary>
    private static ApiConnection NodeConnection(Uri server, X509Certificate2 ca, X509Certificate2 client, string nodeName, ILogger? forbiddenLog = null) =>
        new(k8s.KubernetesClientConfiguration.BuildConfigFromConfigObject(AdminKubeconfig.Build(server, ca, client)), forbiddenLog) { UserAgent = "skiff-kubelet/" + nodeName };

    /// <summary>Refuses a node name held by a live Node that another agent registered (its node id differs or is absent).</summary>
    internal static async Task CheckNodeNameAsync(ApiConnection connection, string nodeName, string nodeId, ILogger logger, CancellationToken cancellationToken)
    {
        V1Node node;
        try
        {
            node = await connection.For<V1Node>(ApiResource.Nodes).GetAsync(null, nodeName, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            return;
        }
        catch (HttpRequestException ex)
        {
            throw new StartupException($"cannot reach the server: {ex.Message}", ex);
        }

        if (NodeNameProblem(node, nodeId) is { } problem)
        {
            throw new StartupException(problem);
        }

        if (AnnotationOf(node) != nodeId)
        {
            LogTakingOver(logger, nodeName);
        }
    }

    /// <summary>Why an agent with <paramref name="nodeId"/> may not run as <paramref name="node"/>, or null when it may.</summary>
    internal static string? NodeNameProblem(V1Node node, string nodeId)
    {
        if (AnnotationOf(node) == nodeId)
        {
            return null;
        }

        var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        if (ready?.Status != "True")
        {
            // A Node whose agent is gone may be taken over by a new machine of the same name.
            return null;
        }

        var address = node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address ?? "unknown address";
        return $"node name \"{node.Metadata.Name}\" is already used by a live Node of another agent (InternalIP {address}); choose another --node-name, or stop that agent and remove its Node (kubectl delete node {node.Metadata.Name}) first";
    }

    private static string? AnnotationOf(V1Node node) =>
        node.Metadata.Annotations is { } annotations && annotations.TryGetValue(NodeIdAnnotation, out var id) ? id : null;

    /// <summary>Runs the node agent, the Service proxy, the cluster DNS and the Node's identity annotation until cancelled.</summary>
    private static async Task RunNodeAsync(Kubelet.Node.NodeAgentOptions options, ApiConnection connection, ComponentIdentities components, X509Certificate2 serving, X509Certificate2 ca,
        JoinSettings settings, string nodeId, TimeProvider time, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var networking = settings.Networking;
        var proxy = networking.DisableKubeProxy ? Task.CompletedTask : KeepRunningAsync("service proxy", async ct =>
        {
            // As k3s's agents: the proxy runs as system:kube-proxy (Kubernetes' system:node-proxier role), not as the node.
            using var proxyConnection = await components.ConnectAsync("system:kube-proxy", "skiff-proxy/" + options.NodeName, ct).ConfigureAwait(false);
            var informers = new InformerFactory(proxyConnection, new InformerOptions(), time, loggerFactory);
            await new ServiceProxy(informers, new ProxyOptions { NodeName = options.NodeName }, time, loggerFactory.CreateLogger<ServiceProxy>()).RunAsync(ct).ConfigureAwait(false);
        }, loggerFactory, stop.Token);
        var dns = networking.DisableClusterDns ? Task.CompletedTask : KeepRunningAsync("cluster DNS", async ct =>
        {
            using var dnsConnection = await components.ConnectAsync("system:skiff-dns", "skiff-dns/" + options.NodeName, ct).ConfigureAwait(false);
            var informers = new InformerFactory(dnsConnection, new InformerOptions(), time, loggerFactory);
            var dnsOptions = new DnsOptions { ListenAddress = networking.ClusterDnsListen.Address, Port = networking.ClusterDnsListen.Port, ClusterDomain = networking.ClusterDomain };
            await new ClusterDns(informers, dnsOptions, time, loggerFactory).RunAsync(ct).ConfigureAwait(false);
        }, loggerFactory, stop.Token);
        var annotate = AnnotateNodeAsync(connection, options.NodeName, nodeId, time, stop.Token);
        try
        {
            await new NodeAgentRunner(loggerFactory, time).RunAsync(options, connection, serving, ca, settings.RuntimeEndpoint, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(proxy, dns, annotate).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Marks the Node with this agent's id once it is registered, so another machine cannot take the name while this one lives.</summary>
    private static async Task AnnotateNodeAsync(ApiConnection connection, string nodeName, string nodeId, TimeProvider time, CancellationToken cancellationToken)
    {
        var nodes = connection.For<V1Node>(ApiResource.Nodes);
        var patch = $"{{\"metadata\":{{\"annotations\":{{\"{NodeIdAnnotation}\":\"{nodeId}\"}}}}}}";
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await nodes.PatchAsync(null, nodeName, patch, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException)
            {
                // Not registered yet, or the server is busy: try again shortly.
            }

            await Task.Delay(TimeSpan.FromSeconds(2), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Cancels <paramref name="run"/> when the client certificate is due for renewal, so the loop renews it and starts again.</summary>
    private static async Task RenewWhenDueAsync(X509Certificate2 client, TimeProvider time, ILogger logger, CancellationTokenSource run)
    {
        var wait = AgentIdentity.RenewAt(client) - time.GetUtcNow();
        // Task.Delay takes at most about 49 days; a longer wait is taken in steps.
        while (wait > TimeSpan.Zero)
        {
            var step = wait < TimeSpan.FromDays(30) ? wait : TimeSpan.FromDays(30);
            await Task.Delay(step, time, run.Token).ConfigureAwait(false);
            wait = AgentIdentity.RenewAt(client) - time.GetUtcNow();
        }

        LogRenewing(logger, client.NotAfter.ToUniversalTime());
        await run.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>Requests the kubelet-serving certificate and swaps it in once an admin approves it and it is signed.</summary>
    private static Task RequestServingCertificateAsync(TlsBootstrap bootstrap, AgentIdentity identity, Uri server, X509Certificate2 ca, X509Certificate2 client,
        Kubelet.Node.NodeAgentOptions options, ServingCertificate serving, ILogger logger, CancellationToken cancellationToken) => Task.Run(async () =>
    {
        using var connection = NodeConnection(server, ca, X509CertificateLoader.LoadPkcs12(client.Export(X509ContentType.Pkcs12), null), options.NodeName);
        try
        {
            // A request made before a restart is resumed, so an approval given meanwhile is not lost.
            if (identity.LoadPendingServing() is var (pendingName, pendingKey))
            {
                using (pendingKey)
                {
                    try
                    {
                        var pem = await bootstrap.WaitAsync(connection, pendingName, cancellationToken).ConfigureAwait(false);
                        serving.Replace(AgentIdentity.Save(identity.ServingCertificate, identity.ServingKey, pem, pendingKey));
                        identity.ClearPendingServing();
                        return;
                    }
                    catch (StartupException ex)
                    {
                        LogServingFailed(logger, ex.Message + "; asking again");
                    }
                }
            }

            var (key, issued, _) = await bootstrap.RequestAsync(connection, "system:node:" + options.NodeName, "kubernetes.io/kubelet-serving",
                ["digital signature", "server auth"], request => request.CertificateExtensions.Add(NodeSans(options.NodeName, options.NodeAddress)), cancellationToken,
                identity.SavePendingServing).ConfigureAwait(false);
            using (key)
            {
                serving.Replace(AgentIdentity.Save(identity.ServingCertificate, identity.ServingKey, issued, key));
                identity.ClearPendingServing();
            }
        }
        catch (StartupException ex)
        {
            LogServingFailed(logger, ex.Message);
        }
    }, CancellationToken.None);

    private static X509Extension NodeSans(string nodeName, IPAddress address)
    {
        var sans = new SubjectAlternativeNameBuilder();
        if (Uri.CheckHostName(nodeName) == UriHostNameType.Dns)
        {
            sans.AddDnsName(nodeName);
        }

        sans.AddIpAddress(address);
        return sans.Build();
    }

    /// <summary>A temporary self-signed serving certificate (the kubelet's own when it has no signed one).</summary>
    private static X509Certificate2 SelfSigned(string nodeName, IPAddress address)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={nodeName}@self-signed", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(NodeSans(nodeName, address));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(KnownOids.ServerAuth)], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddHours(-1), now.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private static async Task KeepRunningAsync(string component, Func<CancellationToken, Task> run, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var logger = loggerFactory.CreateLogger("Skiff.Agent");
        while (!cancellationToken.IsCancellationRequested)
        {
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
                LogComponentFailed(logger, component, ex);
            }
            finally
            {
                await attempt.CancelAsync().ConfigureAwait(false);
            }

            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(EventId = 10, EventName = "AgentJoined", Level = LogLevel.Information, Message = "joined the cluster as {User}")]
    private static partial void LogJoined(ILogger logger, string user);

    [LoggerMessage(EventId = 11, EventName = "AgentCertificateRenewed", Level = LogLevel.Information, Message = "renewed the client certificate of {User}")]
    private static partial void LogRenewed(ILogger logger, string user);

    [LoggerMessage(EventId = 12, EventName = "AgentCertificateRenewFailed", Level = LogLevel.Warning, Message = "could not renew the client certificate of {User} with itself ({Reason}); joining again with the token")]
    private static partial void LogRenewFailed(ILogger logger, string user, string reason);

    [LoggerMessage(EventId = 13, EventName = "AgentTakingOverNode", Level = LogLevel.Warning, Message = "node {Node} was registered by another agent that is no longer live; taking it over")]
    private static partial void LogTakingOver(ILogger logger, string node);

    [LoggerMessage(EventId = 14, EventName = "AgentCertificateDue", Level = LogLevel.Information, Message = "the client certificate (valid until {NotAfter:u}) is due for renewal; restarting the agent with a new one")]
    private static partial void LogRenewing(ILogger logger, DateTime notAfter);

    [LoggerMessage(EventId = 15, EventName = "AgentServingCertificateFailed", Level = LogLevel.Warning, Message = "no kubelet serving certificate: {Reason}; the API server cannot reach this node's logs")]
    private static partial void LogServingFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 16, EventName = "AgentComponentFailed", Level = LogLevel.Error, Message = "{Component} failed; restarting it in 5 s")]
    private static partial void LogComponentFailed(ILogger logger, string component, Exception exception);

    /// <summary>
    /// Client certificates for the node's own Service proxy and cluster DNS: a fresh key and a
    /// <c>kubernetes.io/kube-apiserver-client</c> request through the node's connection, auto-approved for nodes
    /// (<c>certificatesigningrequests/nodecomponentclient</c>) and signed by the cluster CA; held in memory and asked
    /// for again whenever the component starts (at every agent start and node certificate renewal).
    /// </summary>
    private sealed class ComponentIdentities(TlsBootstrap bootstrap, Uri server, X509Certificate2 ca, ApiConnection node, ILogger logger)
    {
        public async Task<ApiConnection> ConnectAsync(string user, string userAgent, CancellationToken cancellationToken)
        {
            var (key, pem, _) = await bootstrap.RequestAsync(node, user, "kubernetes.io/kube-apiserver-client", ["digital signature", "client auth"], null, cancellationToken, organization: null).ConfigureAwait(false);
            using (key)
            {
                using var certificate = X509Certificate2.CreateFromPem(System.Text.Encoding.ASCII.GetString(pem));
                var client = certificate.CopyWithPrivateKey(key);
                return new ApiConnection(k8s.KubernetesClientConfiguration.BuildConfigFromConfigObject(AdminKubeconfig.Build(server, ca, client)), logger) { UserAgent = userAgent };
            }
        }
    }
}
