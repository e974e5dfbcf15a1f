using System.Globalization;
using k8s.Models;
using Skiff.Kubelet.Env;

namespace Skiff.Kubelet.Probes;

/// <summary>
/// Runs one probe of a container once (the kubelet's prober.runProbe): picks the handler (exec, httpGet, tcpSocket,
/// grpc), resolves the host (the pod IP unless the probe names one), the port (a number or a named container port)
/// and the timeout (timeoutSeconds, default 1), and expands <c>$(VAR)</c> in an exec command against the container's
/// literal env values only (valueFrom variables expand to ""; service variables are not seen).
/// </summary>
/// <remarks>Thread-safe; one instance serves every probe of the node.</remarks>
internal sealed class ProbeRunner : IProbeRunner, IDisposable
{
    private readonly ExecProber? _exec;
    private readonly HttpProber _http;
    private readonly TcpProber _tcp;
    private readonly GrpcProber _grpc;

    /// <param name="exec">Runs commands in containers (CRI ExecSync); null makes exec probes report an error.</param>
    /// <param name="time">Time source for timeouts.</param>
    public ProbeRunner(ContainerExec? exec, TimeProvider time)
    {
        _exec = exec is null ? null : new ExecProber(exec, time);
        _http = new HttpProber(time);
        _tcp = new TcpProber(time);
        _grpc = new GrpcProber(time);
    }

    /// <summary>Runs <paramref name="probe"/> against the container <paramref name="containerId"/> of <paramref name="pod"/>.</summary>
    /// <param name="podIP">The pod's IP (the sandbox's address); null takes the pod's status.podIP.</param>
    public async Task<ProbeOutcome> RunAsync(V1Probe probe, V1Pod pod, V1Container container, string containerId, string? podIP, CancellationToken cancellationToken)
    {
        var timeout = TimeSpan.FromSeconds(probe.TimeoutSeconds is > 0 ? probe.TimeoutSeconds.Value : 1);
        podIP ??= pod.Status?.PodIP ?? "";
        if (probe.Exec is { } exec)
        {
            if (_exec is null)
            {
                return ProbeOutcome.Unknown("exec probes are not available: no container exec configured");
            }

            var command = ExpandStatic(exec.Command ?? [], container);
            return await _exec.ProbeAsync(containerId, command, timeout, cancellationToken).ConfigureAwait(false);
        }

        if (probe.HttpGet is { } http)
        {
            if (!TryResolvePort(http.Port, container, out var port, out var error))
            {
                return ProbeOutcome.Unknown(error);
            }

            var host = string.IsNullOrEmpty(http.Host) ? podIP : http.Host;
            var url = HttpProber.BuildUrl(string.IsNullOrEmpty(http.Scheme) ? "http" : http.Scheme, host, port, http.Path);
            var headers = (http.HttpHeaders ?? []).Select(h => new KeyValuePair<string, string>(h.Name, h.Value ?? "")).ToList();
            return await _http.ProbeAsync(url, headers, timeout, cancellationToken).ConfigureAwait(false);
        }

        if (probe.TcpSocket is { } tcp)
        {
            if (!TryResolvePort(tcp.Port, container, out var port, out var error))
            {
                return ProbeOutcome.Unknown(error);
            }

            var host = string.IsNullOrEmpty(tcp.Host) ? podIP : tcp.Host;
            return await _tcp.ProbeAsync(host, port, timeout, cancellationToken).ConfigureAwait(false);
        }

        if (probe.Grpc is { } grpc)
        {
            if (grpc.Port is <= 0 or > 65535)
            {
                return ProbeOutcome.Unknown($"invalid port number: {grpc.Port}");
            }

            return await _grpc.ProbeAsync(podIP, grpc.Port, grpc.Service, timeout, cancellationToken).ConfigureAwait(false);
        }

        return ProbeOutcome.Unknown("missing probe handler");
    }

    /// <summary>
    /// Resolves a probe port: a number, or the name of one of the container's ports (the kubelet's extractPort);
    /// errors read <c>port NAME not found</c> or <c>invalid port number: N</c>.
    /// </summary>
    public static bool TryResolvePort(IntOrString? port, V1Container container, out int number, out string error)
    {
        error = "";
        var text = port?.Value ?? "0";
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out number))
        {
            var named = container.Ports?.FirstOrDefault(p => p.Name == text);
            if (named is null)
            {
                error = $"port {text} not found";
                return false;
            }

            number = named.ContainerPort;
        }

        if (number is <= 0 or > 65535)
        {
            error = $"invalid port number: {number}";
            return false;
        }

        return true;
    }

    /// <summary>$(VAR) expansion of a probe command against the container's literal env values (ExpandContainerCommandOnlyStatic).</summary>
    public static IReadOnlyList<string> ExpandStatic(IEnumerable<string> command, V1Container container)
    {
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in container.Env ?? [])
        {
            // Like the kubelet: every declared name maps to its literal value, so a valueFrom variable expands to "".
            vars[e.Name] = e.Value ?? "";
        }

        var lookup = EnvExpansion.Lookup(vars);
        return command.Select(c => EnvExpansion.Expand(c, lookup)).ToList();
    }

    public void Dispose()
    {
        _http.Dispose();
        _grpc.Dispose();
    }
}
