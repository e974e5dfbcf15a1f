using System.Text;
using k8s.Models;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Pods;

/// <summary>Runs postStart and preStop handlers (exec in the container, httpGet to the pod, sleep) as kubelet's handler runner does.</summary>
internal sealed class LifecycleHooks(IContainerRuntime runtime, HttpClient http, TimeProvider time)
{
    /// <summary>Runs the handler; returns null on success or the failure message.</summary>
    public async Task<string?> RunAsync(V1LifecycleHandler handler, string containerId, string? podIp, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            if (handler.Exec?.Command is { Count: > 0 } command)
            {
                var result = await runtime.ExecSyncAsync(containerId, command, timeout, cancellationToken).ConfigureAwait(false);
                return result.ExitCode == 0
                    ? null
                    : $"command '{string.Join(' ', command)}' exited with {result.ExitCode}: {Encoding.UTF8.GetString(result.Stdout.Span)}{Encoding.UTF8.GetString(result.Stderr.Span)}";
            }

            if (handler.HttpGet is { } get)
            {
                var host = string.IsNullOrEmpty(get.Host) ? podIp ?? "127.0.0.1" : get.Host;
                var port = get.Port?.Value is { } p && int.TryParse(p, out var n) ? n : 80;
                var scheme = string.Equals(get.Scheme, "HTTPS", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
                var path = string.IsNullOrEmpty(get.Path) ? "/" : get.Path.StartsWith('/') ? get.Path : "/" + get.Path;
                using var request = new HttpRequestMessage(HttpMethod.Get, $"{scheme}://{host}:{port}{path}");
                foreach (var header in get.HttpHeaders ?? [])
                {
                    request.Headers.TryAddWithoutValidation(header.Name, header.Value);
                }

                using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                cts.CancelAfter(timeout);
                using var response = await http.SendAsync(request, cts.Token).ConfigureAwait(false);
                return (int)response.StatusCode is >= 200 and < 400 ? null : $"HTTP lifecycle hook ({path}) for Container in Pod failed with statuscode {(int)response.StatusCode}";
            }

            if (handler.Sleep is { } sleep)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(sleep.Seconds, timeout.TotalSeconds)), time, cancellationToken).ConfigureAwait(false);
                return null;
            }

            return "no handler action is set";
        }
        catch (Exception ex) when (ex is RuntimeException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return ex.Message;
        }
    }
}
