using System.Collections.Concurrent;
using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Events;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Probes;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// <see cref="IContainerProbes"/> over the Probes library's <see cref="ProbeManager"/>, with exec probes run through
/// CRI ExecSync. Liveness and startup failures are kept until the pod worker takes them (and kills the container);
/// every result change wakes the pod's worker so readiness reaches the pod status at once.
/// </summary>
internal sealed class KubeletProbes : IContainerProbes, IAsyncDisposable
{
    private readonly ProbeRunner _runner;
    private readonly ProbeManager _manager;
    private readonly ConcurrentDictionary<string, string> _failures = new(StringComparer.Ordinal);

    public KubeletProbes(IContainerRuntime runtime, TimeProvider time, ILoggerFactory loggerFactory, IEventRecorder? recorder)
    {
        _runner = new ProbeRunner(async (id, command, timeout, ct) =>
        {
            try
            {
                var result = await runtime.ExecSyncAsync(id, command, timeout, ct).ConfigureAwait(false);
                return new ExecResult(result.ExitCode, Encoding.UTF8.GetString(result.Stdout.Span) + Encoding.UTF8.GetString(result.Stderr.Span));
            }
            catch (RuntimeException ex) when (ex.RuntimeMessage.Contains("timeout", StringComparison.OrdinalIgnoreCase) || ex.RuntimeMessage.Contains("deadline", StringComparison.OrdinalIgnoreCase))
            {
                return new ExecResult(-1, ex.RuntimeMessage, TimedOut: true);
            }
        }, time);
        _manager = new ProbeManager(_runner, time, loggerFactory.CreateLogger<ProbeManager>(), recorder);
    }

    /// <summary>Reads probe result changes until cancelled, waking the pod's worker through <paramref name="wake"/>.</summary>
    public async Task RunAsync(Action<string> wake, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var update in _manager.Results.Updates.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (update.Type is ProbeType.Liveness or ProbeType.Startup && update.Result == ProbeResult.Failure)
                {
                    _failures[update.ContainerId] = $"Container {update.ContainerName} failed {update.Type.ToString().ToLowerInvariant()} probe, will be restarted";
                }

                wake(update.PodUid);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public void Sync(V1Pod pod, string? podIp, IReadOnlyDictionary<string, ContainerHistory> containers)
    {
        _manager.AddPod(pod, podIp);
        _manager.UpdatePod(pod, podIp);
        foreach (var container in pod.Spec.Containers)
        {
            ContainerProbeState? state = null;
            if (containers.TryGetValue(container.Name, out var history))
            {
                var latest = history.Latest;
                state = new ContainerProbeState(
                    latest.Id,
                    latest.State == ContainerState.ContainerRunning,
                    DateTimeOffset.UnixEpoch.AddTicks(latest.StartedAt / 100),
                    latest.State == ContainerState.ContainerExited);
            }

            _manager.SetContainerState(pod.Metadata.Uid, container.Name, state);
        }
    }

    public bool? Ready(V1Pod pod, string containerName, string containerId) =>
        HasProbe(pod, containerName, c => c.ReadinessProbe ?? c.StartupProbe) ? _manager.IsReady(pod.Metadata.Uid, containerName) : null;

    public bool? Started(V1Pod pod, string containerName, string containerId) =>
        HasProbe(pod, containerName, c => c.StartupProbe) ? _manager.IsStarted(pod.Metadata.Uid, containerName) : null;

    public string? TakeFailure(string containerId) => _failures.TryRemove(containerId, out var message) ? message : null;

    public void Remove(string podUid) => _ = _manager.RemovePodAsync(podUid);

    public async ValueTask DisposeAsync()
    {
        await _manager.DisposeAsync().ConfigureAwait(false);
        _runner.Dispose();
    }

    private static bool HasProbe(V1Pod pod, string name, Func<V1Container, V1Probe?> probe) =>
        pod.Spec.Containers.FirstOrDefault(c => c.Name == name) is { } container && probe(container) is not null;
}
