using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Server;

/// <summary>
/// The node agent's HTTPS server (kubelet's port 10250): /healthz, /containerLogs/{namespace}/{pod}/{container},
/// /exec and /attach/{namespace}/{pod}/{container} and /portForward/{namespace}/{pod}, which the API server's pods/log,
/// pods/exec, pods/attach and pods/portforward subresources proxy to. Clients must present a certificate signed by the cluster CA.
/// </summary>
internal sealed class KubeletServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KubeletServer(WebApplication app) => _app = app;

    /// <summary>The port the server listens on (the configured one, or the one picked for port 0).</summary>
    public int Port { get; private set; }

    public static async Task<KubeletServer> StartAsync(IPAddress address, int port, X509Certificate2 serving, X509Certificate2 clientCa, PodManager pods, IContainerRuntime runtime, TimeProvider time, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(address, port, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = serving,

                // TLS 1.2 and 1.3 only, like the kubelet's default --tls-min-version VersionTLS12.
                SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                ClientCertificateMode = ClientCertificateMode.RequireCertificate,
                ClientCertificateValidation = (certificate, _, _) =>
                {
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(clientCa);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(certificate);
                },
            }));
        });
        var app = builder.Build();
        app.MapGet("/healthz", () => "ok");
        app.MapGet("/containerLogs/{ns}/{pod}/{container}", (HttpContext ctx, string ns, string pod, string container) =>
            ServeLogsAsync(ctx, ns, pod, container, pods, runtime, time));
        var streaming = new StreamingHandler(pods, runtime, loggerFactory.CreateLogger("Skiff.Kubelet.Server.Streaming"));
        foreach (var method in new[] { "GET", "POST" })
        {
            app.MapMethods("/exec/{ns}/{pod}/{container}", [method], (HttpContext ctx, string ns, string pod, string container) => streaming.ExecAsync(ctx, ns, pod, container));
            app.MapMethods("/attach/{ns}/{pod}/{container}", [method], (HttpContext ctx, string ns, string pod, string container) => streaming.AttachAsync(ctx, ns, pod, container));
            app.MapMethods("/portForward/{ns}/{pod}", [method], (HttpContext ctx, string ns, string pod) => streaming.PortForwardAsync(ctx, ns, pod));
        }

        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var server = new KubeletServer(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        server.Port = new Uri(addresses.First()).Port;
        return server;
    }

    private static async Task ServeLogsAsync(HttpContext ctx, string ns, string podName, string containerName, PodManager pods, IContainerRuntime runtime, TimeProvider time)
    {
        var options = LogOptions.Parse(name => ctx.Request.Query.TryGetValue(name, out var v) ? v.ToString() : null, time.GetUtcNow(), out var error);
        if (error is not null)
        {
            await TextAsync(ctx, 400, error).ConfigureAwait(false);
            return;
        }

        var pod = pods.Get(ns, podName);
        if (pod is null)
        {
            await TextAsync(ctx, 404, $"pod \"{podName}\" in namespace \"{ns}\" not found").ConfigureAwait(false);
            return;
        }

        var filter = new ContainerFilter();
        filter.LabelSelector[KubeletLabels.PodUid] = pod.Metadata.Uid;
        filter.LabelSelector[KubeletLabels.ContainerName] = containerName;
        var instances = (await runtime.ListContainersAsync(filter, ctx.RequestAborted).ConfigureAwait(false))
            .OrderByDescending(c => c.Metadata?.Attempt ?? 0).ThenByDescending(c => c.CreatedAt).ToList();
        var index = options.Previous ? 1 : 0;
        if (instances.Count <= index)
        {
            await TextAsync(ctx, 400, options.Previous
                ? $"previous terminated container \"{containerName}\" in pod \"{podName}\" not found"
                : $"container \"{containerName}\" in pod \"{podName}\" is waiting to start: ContainerCreating").ConfigureAwait(false);
            return;
        }

        var id = instances[index].Id;
        var status = await runtime.ContainerStatusAsync(id, ctx.RequestAborted).ConfigureAwait(false);
        if (status is null || string.IsNullOrEmpty(status.LogPath) || !File.Exists(status.LogPath))
        {
            await TextAsync(ctx, 404, $"log of container \"{containerName}\" in pod \"{podName}\" not found").ConfigureAwait(false);
            return;
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/plain";
        await ctx.Response.StartAsync(ctx.RequestAborted).ConfigureAwait(false);
        try
        {
            await CriLogReader.WriteAsync(status.LogPath, options, ctx.Response.Body, async ct =>
                (await runtime.ContainerStatusAsync(id, ct).ConfigureAwait(false))?.State == ContainerState.ContainerRunning, time, ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
        }
    }

    private static async Task TextAsync(HttpContext ctx, int status, string text)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain";
        await ctx.Response.WriteAsync(text).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
