using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Events;

namespace Skiff.Kubelet.Probes;

/// <summary>
/// The node's probe workers (the kubelet's prober manager): one <see cref="ProbeWorker"/> per container and probe
/// kind of every pod added, fed with the container states the core observes, publishing into <see cref="Results"/>.
/// The core answers <see cref="IsStarted"/> and <see cref="IsReady"/> into containerStatuses[].started/ready and
/// restarts a container when <see cref="Results"/> publishes a liveness or startup <see cref="ProbeResult.Failure"/>.
/// </summary>
/// <remarks>Thread-safe. Adding a pod twice is a no-op; removing it stops its workers.</remarks>
internal sealed class ProbeManager : IAsyncDisposable
{
    private readonly IProbeRunner _runner;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEventRecorder? _recorder;
    private readonly ConcurrentDictionary<string, PodEntry> _pods = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public ProbeManager(IProbeRunner runner, TimeProvider time, ILogger<ProbeManager> logger, IEventRecorder? recorder = null)
    {
        _runner = runner;
        _time = time;
        _logger = logger;
        _recorder = recorder;
    }

    /// <summary>The results of every probe of the node.</summary>
    public ProbeResults Results { get; } = new();

    /// <summary>Starts workers for the probes of <paramref name="pod"/>'s app containers (init containers are not probed).</summary>
    public void AddPod(V1Pod pod, string? podIP = null)
    {
        var uid = pod.Metadata?.Uid ?? throw new ArgumentException("pod has no uid", nameof(pod));
        lock (_gate)
        {
            if (_pods.ContainsKey(uid))
            {
                UpdatePod(pod, podIP);
                return;
            }

            // The entry is complete (workers built and running) before other threads can see it.
            var entry = new PodEntry();
            foreach (var container in pod.Spec?.Containers ?? [])
            {
                var name = container.Name;
                foreach (var (type, probe) in new[] { (ProbeType.Startup, container.StartupProbe), (ProbeType.Liveness, container.LivenessProbe), (ProbeType.Readiness, container.ReadinessProbe) })
                {
                    if (probe is null)
                    {
                        continue;
                    }

                    var worker = new ProbeWorker(type, pod, container, _runner, Results, () => entry.States.GetValueOrDefault(name), _time, _logger, _recorder);
                    worker.UpdatePod(pod, podIP);
                    entry.Workers.Add(worker);
                    entry.Tasks.Add(Task.Run(() => worker.RunAsync(entry.Stop.Token)));
                }
            }

            _pods[uid] = entry;
        }
    }

    /// <summary>Gives the workers a newer copy of the pod (deletion timestamp, pod IP).</summary>
    public void UpdatePod(V1Pod pod, string? podIP = null)
    {
        if (_pods.TryGetValue(pod.Metadata?.Uid ?? "", out var entry))
        {
            foreach (var w in entry.Workers)
            {
                w.UpdatePod(pod, podIP);
            }
        }
    }

    /// <summary>Records what the runtime says about a container (null: it does not exist); a newly running container is probed at once.</summary>
    public void SetContainerState(string podUid, string containerName, ContainerProbeState? state)
    {
        if (!_pods.TryGetValue(podUid, out var entry))
        {
            return;
        }

        var old = entry.States.GetValueOrDefault(containerName);
        if (state is null)
        {
            entry.States.TryRemove(containerName, out _);
        }
        else
        {
            entry.States[containerName] = state;
        }

        if (state is not null && (old is null || old.ContainerId != state.ContainerId || old.Running != state.Running))
        {
            foreach (var w in entry.Workers.Where(w => w.Container.Name == containerName))
            {
                w.Trigger();
            }
        }
    }

    /// <summary>
    /// containerStatuses[].started: running, and its startup probe succeeded (or it has none).
    /// </summary>
    public bool IsStarted(string podUid, string containerName)
    {
        if (!_pods.TryGetValue(podUid, out var entry) || entry.States.GetValueOrDefault(containerName) is not { Running: true } state)
        {
            return false;
        }

        var hasStartup = entry.Workers.Any(w => w.Container.Name == containerName && w.Type == ProbeType.Startup);
        return !hasStartup || (Results.TryGet(state.ContainerId, ProbeType.Startup, out var r) && r == ProbeResult.Success);
    }

    /// <summary>containerStatuses[].ready: started, and its readiness probe's last published result is Success (or it has none).</summary>
    public bool IsReady(string podUid, string containerName)
    {
        if (!IsStarted(podUid, containerName) || !_pods.TryGetValue(podUid, out var entry)
            || !entry.States.TryGetValue(containerName, out var state))
        {
            return false;
        }

        var hasReadiness = entry.Workers.Any(w => w.Container.Name == containerName && w.Type == ProbeType.Readiness);
        return !hasReadiness || (Results.TryGet(state.ContainerId, ProbeType.Readiness, out var r) && r == ProbeResult.Success);
    }

    /// <summary>Stops the pod's workers and forgets their results.</summary>
    public async Task RemovePodAsync(string podUid)
    {
        if (_pods.TryRemove(podUid, out var entry))
        {
            await entry.Stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAll(entry.Tasks).ConfigureAwait(false);
            entry.Stop.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var uid in _pods.Keys.ToList())
        {
            await RemovePodAsync(uid).ConfigureAwait(false);
        }
    }

    private sealed class PodEntry
    {
        public ConcurrentDictionary<string, ContainerProbeState> States { get; } = new(StringComparer.Ordinal);
        public List<ProbeWorker> Workers { get; } = [];
        public List<Task> Tasks { get; } = [];
        public CancellationTokenSource Stop { get; } = new();
    }
}
