using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Registry.Core.Pods;

/// <summary>
/// The pods/log subresource (kube-apiserver's LogREST): checks the container name against the pod as
/// pkg/registry/core/pod's LogLocation does, finds the node's kubelet endpoint (InternalIP and
/// status.daemonEndpoints.kubeletEndpoint.Port) and streams /containerLogs from it over HTTPS with the API server's
/// kubelet client certificate. Kubelet errors come back as Status errors with the kubelet's text.
/// </summary>
internal sealed class PodLogProxy : IDisposable
{
    private static readonly string[] PassedQuery = ["follow", "previous", "timestamps", "tailLines", "limitBytes", "sinceSeconds", "sinceTime"];
    private readonly RegistryStore<V1Node> _nodes;
    private readonly HttpClient _http;

    public PodLogProxy(RegistryStore<V1Node> nodes, X509Certificate2? clientCertificate, X509Certificate2? clusterCa)
    {
        _nodes = nodes;
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    // Like kube-apiserver without --kubelet-certificate-authority names are not checked; the chain is, when a CA is known.
                    if (clusterCa is null || certificate is null)
                    {
                        return clusterCa is null;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(clusterCa);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                },
            },
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The container a log request is for, or the 400 Kubernetes answers (the pod's only container when none is named).</summary>
    public static string ContainerFor(V1Pod pod, string? container)
    {
        var names = pod.Spec.Containers.Select(c => c.Name).ToList();
        var initNames = (pod.Spec.InitContainers ?? []).Select(c => c.Name).ToList();
        var ephemeral = (pod.Spec.EphemeralContainers ?? []).Select(c => c.Name).ToList();
        if (string.IsNullOrEmpty(container))
        {
            if (names.Count == 1)
            {
                return names[0];
            }

            var message = $"a container name must be specified for pod {pod.Metadata.Name}, choose one of: [{string.Join(' ', names)}]";
            if (initNames.Count > 0)
            {
                message += $" or one of the init containers: [{string.Join(' ', initNames)}]";
            }

            throw ApiException.BadRequest(message);
        }

        if (!names.Contains(container) && !initNames.Contains(container) && !ephemeral.Contains(container))
        {
            throw ApiException.BadRequest($"container {container} is not valid for pod {pod.Metadata.Name}");
        }

        return container;
    }

    public async Task ServeAsync(HttpContext ctx, V1Pod pod, CancellationToken ct)
    {
        var container = ContainerFor(pod, ctx.Request.Query["container"].ToString());
        var nodeName = pod.Spec.NodeName;
        if (string.IsNullOrEmpty(nodeName))
        {
            // A pod no node has taken yet has no logs (kube answers with an empty body).
            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "text/plain";
            return;
        }

        foreach (var name in new[] { "tailLines", "limitBytes", "sinceSeconds" })
        {
            if (ctx.Request.Query[name].ToString() is { Length: > 0 } text && (!long.TryParse(text, out var n) || (name != "tailLines" && n < 1) || n < 0))
            {
                throw ApiException.BadRequest($"{name}: Invalid value: \"{text}\": must be {(name == "tailLines" ? "greater than or equal to 0" : "greater than 0")}");
            }
        }

        V1Node node;
        try
        {
            node = _nodes.Decode(await _nodes.GetAsync(null, nodeName, "0", ct).ConfigureAwait(false));
        }
        catch (ApiException e) when (e.Code == 404)
        {
            throw ApiException.NotFound($"nodes \"{nodeName}\" not found");
        }

        var address = node.Status?.Addresses?.FirstOrDefault(a => a.Type == "InternalIP")?.Address
            ?? node.Status?.Addresses?.FirstOrDefault(a => a.Type == "Hostname")?.Address;
        var port = node.Status?.DaemonEndpoints?.KubeletEndpoint?.Port ?? 10250;
        if (address is null || port <= 0)
        {
            throw ApiException.BadRequest($"node {nodeName} has no address for its kubelet");
        }

        var query = string.Join('&', PassedQuery.Where(q => ctx.Request.Query.ContainsKey(q))
            .Select(q => $"{q}={Uri.EscapeDataString(ctx.Request.Query[q].ToString())}"));
        var host = address.Contains(':') ? $"[{address}]" : address;
        var url = $"https://{host}:{port}/containerLogs/{Uri.EscapeDataString(pod.Metadata.NamespaceProperty)}/{Uri.EscapeDataString(pod.Metadata.Name)}/{Uri.EscapeDataString(container)}" + (query.Length > 0 ? "?" + query : "");
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new ApiException(500, "InternalError", $"Get \"{url}\": {e.Message}");
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var text = (await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)).Trim();
                throw (int)response.StatusCode == 404 ? ApiException.NotFound(text) : ApiException.BadRequest(text);
            }

            ctx.Response.StatusCode = 200;
            ctx.Response.ContentType = "text/plain";
            await ctx.Response.StartAsync(ct).ConfigureAwait(false);
            await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
            var buffer = new byte[16 * 1024];
            int read;
            try
            {
                while ((read = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
                {
                    await ctx.Response.Body.WriteAsync(buffer.AsMemory(0, read), ct).ConfigureAwait(false);
                    await ctx.Response.Body.FlushAsync(ct).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException && ct.IsCancellationRequested)
            {
            }
        }
    }

    public void Dispose() => _http.Dispose();
}
