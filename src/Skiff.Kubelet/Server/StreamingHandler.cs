using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Skiff.Api.Streaming;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Server;

/// <summary>
/// The kubelet's /exec, /attach and /portForward endpoints: find the pod and its running container (or sandbox), ask
/// the runtime for a URL on its streaming server (CRI Exec/Attach/PortForward) and proxy the client's upgraded
/// connection (SPDY/3.1 or WebSocket) to it byte for byte, as kubelet's proxyStream does. When either side closes the
/// other is closed too, so the runtime ends the session (a shell whose stdin closes exits).
/// </summary>
internal sealed partial class StreamingHandler(PodManager pods, IContainerRuntime runtime, ILogger logger)
{
    public async Task ExecAsync(HttpContext ctx, string ns, string podName, string containerName)
    {
        var request = StreamingRequest.Parse(name => ctx.Request.Query[name].ToArray()!, out var error);
        if (request is null)
        {
            await TextAsync(ctx, 400, error!).ConfigureAwait(false);
            return;
        }

        if (request.Command.Count == 0)
        {
            await TextAsync(ctx, 400, "command is required").ConfigureAwait(false);
            return;
        }

        var containerId = await RunningContainerAsync(ctx, ns, podName, containerName).ConfigureAwait(false);
        if (containerId is null)
        {
            return;
        }

        var exec = new ExecRequest { ContainerId = containerId, Tty = request.Tty, Stdin = request.Stdin, Stdout = request.Stdout, Stderr = request.Stderr };
        exec.Cmd.AddRange(request.Command);
        await ProxyAsync(ctx, $"exec {ns}/{podName}/{containerName}", ct => runtime.ExecAsync(exec, ct)).ConfigureAwait(false);
    }

    public async Task AttachAsync(HttpContext ctx, string ns, string podName, string containerName)
    {
        var request = StreamingRequest.Parse(name => ctx.Request.Query[name].ToArray()!, out var error);
        if (request is null)
        {
            await TextAsync(ctx, 400, error!).ConfigureAwait(false);
            return;
        }

        var containerId = await RunningContainerAsync(ctx, ns, podName, containerName).ConfigureAwait(false);
        if (containerId is null)
        {
            return;
        }

        var attach = new AttachRequest { ContainerId = containerId, Tty = request.Tty, Stdin = request.Stdin, Stdout = request.Stdout, Stderr = request.Stderr };
        await ProxyAsync(ctx, $"attach {ns}/{podName}/{containerName}", ct => runtime.AttachAsync(attach, ct)).ConfigureAwait(false);
    }

    public async Task PortForwardAsync(HttpContext ctx, string ns, string podName)
    {
        var pod = pods.Get(ns, podName);
        if (pod is null)
        {
            await TextAsync(ctx, 404, "pod does not exist").ConfigureAwait(false);
            return;
        }

        var filter = new PodSandboxFilter { State = new PodSandboxStateValue { State = PodSandboxState.SandboxReady } };
        filter.LabelSelector[KubeletLabels.PodUid] = pod.Metadata.Uid;
        var sandbox = (await runtime.ListPodSandboxesAsync(filter, ctx.RequestAborted).ConfigureAwait(false))
            .OrderByDescending(s => s.Metadata?.Attempt ?? 0).ThenByDescending(s => s.CreatedAt).FirstOrDefault();
        if (sandbox is null)
        {
            await TextAsync(ctx, 404, $"pod \"{podName}\" in namespace \"{ns}\" has no running sandbox").ConfigureAwait(false);
            return;
        }

        // Ports travel in the stream headers with SPDY; a WebSocket client names them in the query.
        var forward = new PortForwardRequest { PodSandboxId = sandbox.Id };
        foreach (var port in ctx.Request.Query["port"])
        {
            if (!int.TryParse(port, out var p) || p is < 1 or > 65535)
            {
                await TextAsync(ctx, 400, $"invalid port {port}").ConfigureAwait(false);
                return;
            }

            forward.Port.Add(p);
        }

        await ProxyAsync(ctx, $"port-forward {ns}/{podName}", ct => runtime.PortForwardAsync(forward, ct)).ConfigureAwait(false);
    }

    /// <summary>The id of the container's running instance, or null after answering 404 (as kubelet: "container not found").</summary>
    private async Task<string?> RunningContainerAsync(HttpContext ctx, string ns, string podName, string containerName)
    {
        var pod = pods.Get(ns, podName);
        if (pod is null)
        {
            await TextAsync(ctx, 404, "pod does not exist").ConfigureAwait(false);
            return null;
        }

        var filter = new ContainerFilter { State = new ContainerStateValue { State = ContainerState.ContainerRunning } };
        filter.LabelSelector[KubeletLabels.PodUid] = pod.Metadata.Uid;
        filter.LabelSelector[KubeletLabels.ContainerName] = containerName;
        var running = (await runtime.ListContainersAsync(filter, ctx.RequestAborted).ConfigureAwait(false))
            .OrderByDescending(c => c.Metadata?.Attempt ?? 0).FirstOrDefault();
        if (running is null)
        {
            await TextAsync(ctx, 404, $"container not found (\"{containerName}\")").ConfigureAwait(false);
            return null;
        }

        return running.Id;
    }

    private async Task ProxyAsync(HttpContext ctx, string what, Func<CancellationToken, Task<string>> getUrl)
    {
        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is not { IsUpgradableRequest: true })
        {
            await TextAsync(ctx, 400, "Upgrade request required").ConfigureAwait(false);
            return;
        }

        string url;
        try
        {
            url = await getUrl(ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (RuntimeException e)
        {
            Log.RuntimeRefused(logger, what, e.Message);
            await TextAsync(ctx, e.NotFound ? 404 : 500, e.Message).ConfigureAwait(false);
            return;
        }

        var headers = UpgradeHeaders.Request(ctx.Request.Headers.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v ?? string.Empty))));
        UpgradeResponse backend;
        try
        {
            backend = await UpgradeClient.SendAsync(new Uri(url), ctx.Request.Method, headers, null, ctx.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or OperationCanceledException && !ctx.RequestAborted.IsCancellationRequested)
        {
            Log.StreamingServerFailed(logger, what, e.Message);
            await TextAsync(ctx, 500, $"error dialing the runtime's streaming server: {e.Message}").ConfigureAwait(false);
            return;
        }

        await using (backend)
        {
            if (!backend.Upgraded)
            {
                // The runtime refused (e.g. no stream protocol in common): its answer goes back as it came.
                var body = await backend.ReadBodyAsync(64 * 1024, ctx.RequestAborted).ConfigureAwait(false);
                ctx.Response.StatusCode = backend.StatusCode;
                ctx.Response.ContentType = backend.Header("Content-Type") ?? "text/plain";
                await ctx.Response.WriteAsync(body).ConfigureAwait(false);
                return;
            }

            foreach (var (name, value) in backend.Headers.Where(h => UpgradeHeaders.ForwardResponse(h.Key)))
            {
                ctx.Response.Headers.Append(name, value);
            }

            Log.SessionStarted(logger, what, backend.Header("X-Stream-Protocol-Version") ?? backend.Header("Sec-WebSocket-Protocol") ?? backend.Header("Upgrade") ?? "");
            var client = await upgrade.UpgradeAsync().ConfigureAwait(false);
            await StreamRelay.RunAsync(client, backend.Stream, CancellationToken.None).ConfigureAwait(false);
            Log.SessionEnded(logger, what);
        }
    }

    private static async Task TextAsync(HttpContext ctx, int status, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain; charset=utf-8";
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Streaming {What} started ({Protocol})", EventName = "StreamingStarted")]
        public static partial void SessionStarted(ILogger logger, string what, string protocol);

        [LoggerMessage(2, LogLevel.Information, "Streaming {What} ended", EventName = "StreamingEnded")]
        public static partial void SessionEnded(ILogger logger, string what);

        [LoggerMessage(3, LogLevel.Warning, "Streaming {What}: the runtime refused: {Reason}", EventName = "StreamingRuntimeRefused")]
        public static partial void RuntimeRefused(ILogger logger, string what, string reason);

        [LoggerMessage(4, LogLevel.Warning, "Streaming {What}: cannot reach the runtime's streaming server: {Reason}", EventName = "StreamingServerFailed")]
        public static partial void StreamingServerFailed(ILogger logger, string what, string reason);
    }
}
