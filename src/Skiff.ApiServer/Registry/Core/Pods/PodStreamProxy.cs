using k8s.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Skiff.Api.Streaming;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Streaming;

namespace Skiff.ApiServer.Registry.Core.Pods;

/// <summary>
/// The pods/exec, pods/attach and pods/portforward subresources (kube-apiserver's ExecREST, AttachREST and
/// PortForwardREST): check the request against the pod as pkg/registry/core/pod's ExecLocation does, then carry the
/// upgraded connection to the node's kubelet (/exec, /attach, /portForward) with the API server's client certificate.
/// SPDY/3.1 and WebSocket protocols up to v4 pass through byte for byte (kubectl up to 1.29, other clients); a
/// <c>v5.channel.k8s.io</c> WebSocket is translated to SPDY towards the kubelet, and the port-forward WebSocket
/// tunnel (kubectl 1.31+) is unwrapped onto a SPDY connection, as kube-apiserver does since 1.30/1.31.
/// </summary>
internal sealed partial class PodStreamProxy(KubeletLocation kubelets, ILogger logger)
{
    /// <summary>The subresources this proxy serves.</summary>
    public static readonly string[] Subresources = ["exec", "attach", "portforward"];

    public async Task ServeAsync(HttpContext ctx, string subresource, V1Pod pod, CancellationToken ct)
    {
        var query = ctx.Request.Query;
        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
        var webSocket = WebSocketHandshake.IsWebSocketRequest(ctx.Request);
        var spdy = ctx.Request.Headers.Upgrade.ToString().Contains("SPDY/3.1", StringComparison.OrdinalIgnoreCase);
        var path = $"/{Uri.EscapeDataString(pod.Metadata.NamespaceProperty)}/{Uri.EscapeDataString(pod.Metadata.Name)}";
        var parameters = new List<string>();
        RemoteCommandStreams? streams = null;
        if (subresource == "portforward")
        {
            path = "/portForward" + path;
            foreach (var port in query["ports"].SelectMany(p => (p ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
            {
                if (!int.TryParse(port, out var n) || n is < 1 or > 65535)
                {
                    throw ApiException.BadRequest($"invalid port {port}: must be between 1 and 65535, inclusive");
                }

                parameters.Add("port=" + n);
            }
        }
        else
        {
            var container = PodLogProxy.ContainerFor(pod, query["container"].ToString());
            streams = new RemoteCommandStreams(Flag(query, "stdin"), Flag(query, "stdout"), Flag(query, "stderr"), Flag(query, "tty"));
            if (!streams.Stdin && !streams.Stdout && !streams.Stderr)
            {
                throw ApiException.BadRequest("you must specify at least 1 of stdin, stdout, stderr");
            }

            path = $"/{subresource}{path}/{Uri.EscapeDataString(container)}";
            if (subresource == "exec")
            {
                var command = query["command"].Where(c => c is not null).ToList();
                if (command.Count == 0)
                {
                    throw ApiException.BadRequest("you must specify at least one command for the container");
                }

                parameters.AddRange(command.Select(c => "command=" + Uri.EscapeDataString(c!)));
            }

            foreach (var (name, on) in new[] { ("input", streams.Stdin), ("output", streams.Stdout), ("error", streams.Stderr), ("tty", streams.Tty) })
            {
                if (on)
                {
                    parameters.Add(name + "=1");
                }
            }
        }

        if (upgrade is not { IsUpgradableRequest: true } || !webSocket && !spdy)
        {
            throw ApiException.BadRequest("Upgrade request required");
        }

        var url = new Uri(await kubelets.BaseUriAsync(pod, ct).ConfigureAwait(false), path + (parameters.Count > 0 ? "?" + string.Join('&', parameters) : ""));
        var what = $"{subresource} {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";
        var offered = webSocket ? WebSocketHandshake.OfferedProtocols(ctx.Request) : [];
        if (webSocket && streams is not null && offered.Contains(RemoteCommandTranslator.V5))
        {
            await TranslateAsync(ctx, url, streams, what, ct).ConfigureAwait(false);
        }
        else if (webSocket && streams is null && offered.Contains(PortForwardTunnel.Protocol))
        {
            await TunnelAsync(ctx, url, what, ct).ConfigureAwait(false);
        }
        else
        {
            await PassThroughAsync(ctx, upgrade, url, what, ct).ConfigureAwait(false);
        }
    }

    private static bool Flag(IQueryCollection query, string name) => query[name].ToString() is "true" or "1" or "True";

    /// <summary>SPDY (or an older WebSocket protocol the runtime speaks itself): relay the upgrade and then the bytes.</summary>
    private async Task PassThroughAsync(HttpContext ctx, IHttpUpgradeFeature upgrade, Uri url, string what, CancellationToken ct)
    {
        var headers = UpgradeHeaders.Request(ctx.Request.Headers.SelectMany(h => h.Value.Select(v => new KeyValuePair<string, string>(h.Key, v ?? string.Empty))));
        await using var node = await DialAsync(ctx.Request.Method, url, headers, ct).ConfigureAwait(false);
        if (!node.Upgraded)
        {
            throw await RefusedAsync(node, ct).ConfigureAwait(false);
        }

        foreach (var (name, value) in node.Headers.Where(h => UpgradeHeaders.ForwardResponse(h.Key)))
        {
            ctx.Response.Headers.Append(name, value);
        }

        Log.Started(logger, what, node.Header("X-Stream-Protocol-Version") ?? node.Header("Sec-WebSocket-Protocol") ?? node.Header("Upgrade") ?? "");
        var client = await upgrade.UpgradeAsync().ConfigureAwait(false);
        await StreamRelay.RunAsync(client, node.Stream, CancellationToken.None).ConfigureAwait(false);
        Log.Ended(logger, what);
    }

    /// <summary>v5.channel.k8s.io: SPDY (v4.channel.k8s.io) to the kubelet first, so its refusal reaches the client as a Status.</summary>
    private async Task TranslateAsync(HttpContext ctx, Uri url, RemoteCommandStreams streams, string what, CancellationToken ct)
    {
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Upgrade", "SPDY/3.1"),
            new("Connection", "Upgrade"),
            new("X-Stream-Protocol-Version", RemoteCommandTranslator.V4),
        };
        var node = await DialAsync("POST", url, headers, ct).ConfigureAwait(false);
        await using (node.ConfigureAwait(false))
        {
            if (!node.Upgraded)
            {
                throw await RefusedAsync(node, ct).ConfigureAwait(false);
            }

            var socket = await WebSocketHandshake.AcceptAsync(ctx, RemoteCommandTranslator.V5).ConfigureAwait(false);
            Log.Started(logger, what, RemoteCommandTranslator.V5);
            var spdy = new SpdyClientConnection(node.Stream);
            await RemoteCommandTranslator.RunAsync(socket, spdy, streams, ctx.RequestAborted).ConfigureAwait(false);
            Log.Ended(logger, what);
        }
    }

    private async Task TunnelAsync(HttpContext ctx, Uri url, string what, CancellationToken ct)
    {
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Upgrade", "SPDY/3.1"),
            new("Connection", "Upgrade"),
            new("X-Stream-Protocol-Version", PortForwardTunnel.SpdyProtocol),
        };
        var node = await DialAsync("POST", url, headers, ct).ConfigureAwait(false);
        await using (node.ConfigureAwait(false))
        {
            if (!node.Upgraded)
            {
                throw await RefusedAsync(node, ct).ConfigureAwait(false);
            }

            var socket = await WebSocketHandshake.AcceptAsync(ctx, PortForwardTunnel.Protocol).ConfigureAwait(false);
            Log.Started(logger, what, PortForwardTunnel.Protocol);
            await PortForwardTunnel.RunAsync(socket, node.Stream, ctx.RequestAborted).ConfigureAwait(false);
            Log.Ended(logger, what);
        }
    }

    private async Task<UpgradeResponse> DialAsync(string method, Uri url, List<KeyValuePair<string, string>> headers, CancellationToken ct)
    {
        try
        {
            return await UpgradeClient.SendAsync(url, method, headers, kubelets.Tls(), ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException
            || e is OperationCanceledException && !ct.IsCancellationRequested)
        {
            throw new ApiException(500, "InternalError", $"error dialing backend: {e.Message}");
        }
    }

    /// <summary>The kubelet's non-101 answer as the Status kubectl prints: its text, with 404 kept and other failures as 400.</summary>
    private static async Task<ApiException> RefusedAsync(UpgradeResponse node, CancellationToken ct)
    {
        var text = (await node.ReadBodyAsync(64 * 1024, ct).ConfigureAwait(false)).Trim();
        return node.StatusCode switch
        {
            404 => ApiException.NotFound(text),
            >= 500 => new ApiException(500, "InternalError", $"Internal error occurred: {text}"),
            _ => ApiException.BadRequest(text),
        };
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Streaming {What} started ({Protocol})", EventName = "PodStreamStarted")]
        public static partial void Started(ILogger logger, string what, string protocol);

        [LoggerMessage(2, LogLevel.Information, "Streaming {What} ended", EventName = "PodStreamEnded")]
        public static partial void Ended(ILogger logger, string what);
    }
}
