using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Env;
using Skiff.Kubelet.Images;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// One pod's worker (kubelet's pod worker + SyncPod): a serial loop that compares the pod spec with what the runtime
/// reports and acts on the difference — sandbox, init containers in order, app containers, restarts with
/// CrashLoopBackOff, graceful termination with preStop — and writes the pod status when it changes. Woken by pod
/// updates, by the relister when the pod's containers change, and by its own timers (back-off expiry).
/// </summary>
internal sealed partial class PodWorker
{
    private static readonly TimeSpan Resync = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan VolumeRefreshPeriod = TimeSpan.FromMinutes(1);
    private DateTimeOffset? _volumesRefreshAt;
    private static readonly TimeSpan MinimumGrace = TimeSpan.FromSeconds(2);

    private readonly PodWorkerContext _ctx;
    private readonly SemaphoreSlim _signal = new(0, 1);
    private readonly CrashLoopBackoff _backoff;
    private readonly Dictionary<string, (DateTimeOffset At, string Message)> _pullFailures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WaitingReason> _waiting = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private V1Pod? _pod;
    private bool _removed;
    private string? _lastStatusJson;
    private V1PodStatus? _lastStatus;
    private DateTimeOffset? _wakeAt;
    private DateTimeOffset _sandboxRetryAt;
    private bool _statusReset;
    private bool _acted;
    private readonly HashSet<string> _stoppedSandboxes = new(StringComparer.Ordinal);

    public PodWorker(PodWorkerContext context, string uid, V1Pod? pod)
    {
        _ctx = context;
        Uid = uid;
        _pod = pod;
        _removed = pod is null;
        _backoff = new CrashLoopBackoff(context.Time);
    }

    public string Uid { get; }

    /// <summary>
    /// The pod's containers (<see cref="PodManager.Fingerprint"/>) as the worker last saw them; the relister wakes the
    /// worker only when the runtime reports something else.
    /// </summary>
    public string? ObservedFingerprint { get; private set; }

    /// <summary>
    /// The newest pod from the API, or null after it was removed from the API. Wakes the worker only when something it
    /// acts on changed: as kubelet's pod config does, an update of the status alone (above all the echo of the worker's
    /// own status write) is kept for the next sync but does not cause one.
    /// </summary>
    public void Update(V1Pod? pod)
    {
        bool changed;
        lock (_lock)
        {
            if (pod is null)
            {
                changed = !_removed;
                _removed = true;
            }
            else
            {
                changed = _pod is null || NeedsSync(_pod, pod);
                _pod = pod;
            }
        }

        if (changed)
        {
            Signal();
        }
    }

    /// <summary>
    /// Whether <paramref name="updated"/> differs from <paramref name="current"/> in what a sync acts on: the spec,
    /// labels and annotations (downward API), deletion, or a pod condition the agent does not write itself.
    /// </summary>
    internal static bool NeedsSync(V1Pod current, V1Pod updated)
    {
        if (current.Metadata.Uid != updated.Metadata.Uid
            || current.Metadata.DeletionTimestamp != updated.Metadata.DeletionTimestamp
            || current.Metadata.DeletionGracePeriodSeconds != updated.Metadata.DeletionGracePeriodSeconds
            || !SameMap(current.Metadata.Labels, updated.Metadata.Labels)
            || !SameMap(current.Metadata.Annotations, updated.Metadata.Annotations))
        {
            return true;
        }

        static string Foreign(V1PodStatus? status) => KubernetesJson.Serialize(
            (status?.Conditions ?? []).Where(c => c.Type is not ("PodReadyToStartContainers" or "Initialized" or "Ready" or "ContainersReady")).ToList());

        return KubernetesJson.Serialize(current.Spec) != KubernetesJson.Serialize(updated.Spec)
            || Foreign(current.Status) != Foreign(updated.Status);
    }

    private static bool SameMap(IDictionary<string, string>? a, IDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a is null || a.All(kv => b!.TryGetValue(kv.Key, out var v) && v == kv.Value));

    /// <summary>Writes the status again on the next sync even if unchanged (a static pod's mirror pod was recreated).</summary>
    public void ResetStatus()
    {
        lock (_lock)
        {
            _statusReset = true;
        }

        Signal();
    }

    /// <summary>Asks for a sync soon (the runtime state changed).</summary>
    public void Signal()
    {
        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary>Runs until the pod is gone from the API and from the runtime.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            bool done;
            try
            {
                done = await SyncAsync(cancellationToken).ConfigureAwait(false);
                failures = 0;
            }
            catch (Exception ex) when (ex is RuntimeException or ApiException or HttpRequestException or IOException)
            {
                Log.SyncFailed(_ctx.Logger, PodName(), ex.Message);
                done = false;
                failures++;
                _wakeAt = _ctx.Time.GetUtcNow() + TimeSpan.FromSeconds(Math.Min(30, 1 << Math.Min(failures, 5)));
            }

            if (done)
            {
                return;
            }

            var wait = Resync;
            if (_wakeAt is { } at)
            {
                var until = at - _ctx.Time.GetUtcNow();
                wait = until < TimeSpan.Zero ? TimeSpan.Zero : until < wait ? until : wait;
                _wakeAt = null;
            }

            try
            {
                await _signal.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void WakeAt(DateTimeOffset at)
    {
        if (_wakeAt is null || at < _wakeAt)
        {
            _wakeAt = at;
        }
    }

    private string PodName()
    {
        var pod = _pod;
        return pod is null ? Uid : $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";
    }

    internal async Task<bool> SyncAsync(CancellationToken cancellationToken)
    {
        V1Pod? pod;
        bool removed;
        lock (_lock)
        {
            pod = _pod;
            removed = _removed;
        }

        var state = await ObserveAsync(cancellationToken).ConfigureAwait(false);
        if (removed || pod is null)
        {
            await KillPodAsync(pod, state, MinimumGrace, cancellationToken).ConfigureAwait(false);
            await CleanUpAsync(state, cancellationToken).ConfigureAwait(false);
            return true;
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            var grace = TimeSpan.FromSeconds(pod.Metadata.DeletionGracePeriodSeconds ?? pod.Spec.TerminationGracePeriodSeconds ?? 30);
            await KillPodAsync(pod, state, grace, cancellationToken).ConfigureAwait(false);
            state = await ObserveAsync(cancellationToken).ConfigureAwait(false);
            await WriteStatusAsync(pod, state, terminating: true, cancellationToken).ConfigureAwait(false);
            await CleanUpAsync(state, cancellationToken).ConfigureAwait(false);
            try
            {
                await _ctx.Pods.DeleteAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, new V1DeleteOptions
                {
                    GracePeriodSeconds = 0,
                    Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid },
                }, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
            {
            }

            Log.Deleted(_ctx.Logger, PodName());
            return true;
        }

        if (await SyncEvictionAsync(pod, state, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var phase = (_lastStatus ?? pod.Status)?.Phase;
        if (phase is "Succeeded" or "Failed")
        {
            // A finished pod keeps its containers (for logs) but gives up its sandbox and network.
            await KillPodAsync(pod, state, TimeSpan.FromSeconds(pod.Spec.TerminationGracePeriodSeconds ?? 30), cancellationToken, removeSandbox: false).ConfigureAwait(false);
            await WriteStatusAsync(pod, await ObserveAsync(cancellationToken).ConfigureAwait(false), terminating: true, cancellationToken).ConfigureAwait(false);
            return false;
        }

        _acted = false;
        await RefreshVolumesAsync(pod, state, cancellationToken).ConfigureAwait(false);
        await SyncRunningAsync(pod, state, cancellationToken).ConfigureAwait(false);
        if (_acted)
        {
            // Only what the sync did can have changed the state since it was observed (a later change wakes it again).
            state = await ObserveAsync(cancellationToken).ConfigureAwait(false);
        }

        var status = await WriteStatusAsync(pod, state, terminating: false, cancellationToken).ConfigureAwait(false);
        if (status.Phase is "Succeeded" or "Failed")
        {
            Signal();
        }

        return false;
    }

    private void Event(V1Pod pod, string type, string reason, string message) => _ctx.Events?.Event(pod, type, reason, message);

    /// <summary>
    /// kubelet re-syncs a running pod's volumes on its periodic pod sync (syncFrequency, 1 minute), so a changed
    /// ConfigMap, Secret or downward API field reaches the mounted files without a restart. The first sync after the
    /// containers started only arms the timer (they were set up just then).
    /// </summary>
    private async Task RefreshVolumesAsync(V1Pod pod, RuntimePodState state, CancellationToken cancellationToken)
    {
        var now = _ctx.Time.GetUtcNow();
        if (state.SandboxStatus is not { State: PodSandboxState.SandboxReady } || state.Containers.Count == 0)
        {
            return;
        }

        if (_volumesRefreshAt is not { } due || now < due)
        {
            _volumesRefreshAt ??= now + VolumeRefreshPeriod;
            return;
        }

        _volumesRefreshAt = now + VolumeRefreshPeriod;
        try
        {
            await _ctx.Volumes.RefreshAsync(pod, _ctx.NodeAllocatable, cancellationToken).ConfigureAwait(false);
        }
        catch (Volumes.VolumeSetupException ex)
        {
            // The files stay as they were (e.g. the ConfigMap was deleted); kubelet reports it the same way.
            Event(pod, "Warning", "FailedMount", ex.Message);
        }
    }

    /// <summary>The pod's sandboxes (newest first) and its containers' histories, as the runtime reports them now.</summary>
    private async Task<RuntimePodState> ObserveAsync(CancellationToken cancellationToken)
    {
        var filter = new PodSandboxFilter();
        filter.LabelSelector[KubeletLabels.PodUid] = Uid;
        var sandboxes = (await _ctx.Runtime.ListPodSandboxesAsync(filter, cancellationToken).ConfigureAwait(false))
            .OrderByDescending(s => s.Metadata?.Attempt ?? 0).ThenByDescending(s => s.CreatedAt).ToList();
        var containerFilter = new ContainerFilter();
        containerFilter.LabelSelector[KubeletLabels.PodUid] = Uid;
        var containers = await _ctx.Runtime.ListContainersAsync(containerFilter, cancellationToken).ConfigureAwait(false);
        ObservedFingerprint = PodManager.Fingerprint(containers);
        var histories = new Dictionary<string, ContainerHistory>(StringComparer.Ordinal);
        var all = new List<Container>(containers);
        foreach (var group in containers.GroupBy(c => c.Metadata?.Name ?? ""))
        {
            var ordered = group.OrderByDescending(c => c.Metadata?.Attempt ?? 0).ThenByDescending(c => c.CreatedAt).ToList();
            var latest = await _ctx.Runtime.ContainerStatusAsync(ordered[0].Id, cancellationToken).ConfigureAwait(false);
            if (latest is null)
            {
                continue;
            }

            var previous = ordered.Count > 1 ? await _ctx.Runtime.ContainerStatusAsync(ordered[1].Id, cancellationToken).ConfigureAwait(false) : null;
            histories[group.Key] = new ContainerHistory(latest, previous);
        }

        PodSandboxStatus? sandboxStatus = null;
        if (sandboxes.FirstOrDefault() is { } newest)
        {
            sandboxStatus = await _ctx.Runtime.PodSandboxStatusAsync(newest.Id, cancellationToken).ConfigureAwait(false);
        }

        return new RuntimePodState(sandboxes, sandboxStatus, all, histories);
    }

    private async Task SyncRunningAsync(V1Pod pod, RuntimePodState state, CancellationToken cancellationToken)
    {
        var spec = pod.Spec;
        var policy = spec.RestartPolicy ?? "Always";
        var sandbox = state.SandboxStatus is { State: PodSandboxState.SandboxReady } ready ? ready : null;
        uint attempt = 0;
        if (sandbox is null)
        {
            var allDone = state.Containers.Count > 0 && spec.Containers.All(c => state.Containers.TryGetValue(c.Name, out var h) && h.Latest.State == ContainerState.ContainerExited);
            if (state.Sandboxes.Count > 0 && allDone && policy == "Never")
            {
                return;
            }

            if (_ctx.Time.GetUtcNow() < _sandboxRetryAt)
            {
                WakeAt(_sandboxRetryAt);
                return;
            }

            _acted = true;

            // Containers of a dead sandbox lost their network: stop them, they restart in the new one.
            foreach (var stale in state.Containers.Values.Where(h => h.Latest.State == ContainerState.ContainerRunning))
            {
                await _ctx.Runtime.StopContainerAsync(stale.Latest.Id, 2, cancellationToken).ConfigureAwait(false);
            }

            foreach (var old in state.Sandboxes)
            {
                await StopSandboxAsync(old.Id, cancellationToken).ConfigureAwait(false);
            }

            attempt = state.Sandboxes.Count == 0 ? 0 : (state.Sandboxes[0].Metadata?.Attempt ?? 0) + 1;
            var config = RuntimeConfigBuilder.Sandbox(pod, attempt, _ctx.Options, _ctx.Paths.PodLogs);
            Directory.CreateDirectory(config.LogDirectory);
            try
            {
                using (_ctx.StartGate is null ? null : await _ctx.StartGate.EnterAsync(cancellationToken).ConfigureAwait(false))
                {
                    var id = await _ctx.Runtime.RunPodSandboxAsync(config, cancellationToken).ConfigureAwait(false);
                    Log.SandboxStarted(_ctx.Logger, PodName(), id);
                    sandbox = await _ctx.Runtime.PodSandboxStatusAsync(id, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (RuntimeException ex)
            {
                Log.SandboxFailed(_ctx.Logger, PodName(), ex.RuntimeMessage);
                Event(pod, "Warning", "FailedCreatePodSandBox", "Failed to create pod sandbox: " + ex.RuntimeMessage);
                _backoff.Next("sandbox");
                _backoff.InBackoff("sandbox", _ctx.Time.GetUtcNow(), out _, out var until);
                _sandboxRetryAt = until;
                WakeAt(until);
                return;
            }

            if (sandbox is null)
            {
                return;
            }
        }
        else
        {
            attempt = sandbox.Metadata?.Attempt ?? 0;
        }

        var sandboxConfig = RuntimeConfigBuilder.Sandbox(pod, attempt, _ctx.Options, _ctx.Paths.PodLogs);
        var containers = state.Containers;

        // Containers whose liveness or startup probe failed are killed; the restart below brings them back.
        foreach (var (name, history) in containers)
        {
            if (history.Latest.State == ContainerState.ContainerRunning && _ctx.Probes.TakeFailure(history.Latest.Id) is { } failure)
            {
                Log.ProbeKill(_ctx.Logger, PodName(), name, failure);
                Event(pod, "Normal", "Killing", failure);
                var container = spec.Containers.FirstOrDefault(c => c.Name == name);
                await StopContainerAsync(pod, container, history.Latest.Id, sandbox.Network?.Ip, TimeSpan.FromSeconds(spec.TerminationGracePeriodSeconds ?? 30), cancellationToken).ConfigureAwait(false);
                Signal();
                return;
            }
        }

        // Init containers, in order: each must succeed before the next starts.
        foreach (var init in spec.InitContainers ?? [])
        {
            if (!containers.TryGetValue(init.Name, out var history))
            {
                await StartAsync(pod, init, sandbox, sandboxConfig, 0, cancellationToken).ConfigureAwait(false);
                return;
            }

            var latest = history.Latest;
            if (latest.State is ContainerState.ContainerRunning)
            {
                return;
            }

            if (latest.State == ContainerState.ContainerExited && latest.ExitCode == 0)
            {
                continue;
            }

            if (policy == "Never" && latest.State == ContainerState.ContainerExited)
            {
                _waiting.Remove(init.Name);
                return;
            }

            await RestartAsync(pod, init, history, sandbox, sandboxConfig, cancellationToken).ConfigureAwait(false);
            return;
        }

        var running = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var container in spec.Containers)
        {
            if (!containers.TryGetValue(container.Name, out var history))
            {
                await StartAsync(pod, container, sandbox, sandboxConfig, 0, cancellationToken).ConfigureAwait(false);
                continue;
            }

            var latest = history.Latest;
            if (latest.State == ContainerState.ContainerRunning)
            {
                running[container.Name] = latest.Id;
                _waiting.Remove(container.Name);
                continue;
            }

            var restart = latest.State != ContainerState.ContainerExited
                || policy == "Always"
                || (policy == "OnFailure" && latest.ExitCode != 0);
            if (restart)
            {
                await RestartAsync(pod, container, history, sandbox, sandboxConfig, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // It stays terminated: no waiting reason from a failed start may hide that.
                _waiting.Remove(container.Name);
            }
        }

        _ctx.Probes.Sync(pod, sandbox.Network?.Ip, containers);
        _ = running;
    }

    private async Task RestartAsync(V1Pod pod, V1Container container, ContainerHistory history, PodSandboxStatus sandbox, PodSandboxConfig sandboxConfig, CancellationToken cancellationToken)
    {
        var latest = history.Latest;
        var finished = latest.FinishedAt > 0 ? DateTimeOffset.UnixEpoch.AddTicks(latest.FinishedAt / 100) : _ctx.Time.GetUtcNow();
        var key = "container/" + container.Name;
        if (_backoff.InBackoff(key, finished, out var delay, out var until))
        {
            _waiting[container.Name] = new WaitingReason("CrashLoopBackOff",
                $"back-off {Skiff.Api.Printing.GoDuration.Format(delay)} restarting failed container={container.Name} pod={pod.Metadata.Name}_{pod.Metadata.NamespaceProperty}({pod.Metadata.Uid})");
            Event(pod, "Warning", "BackOff", $"Back-off restarting failed container {container.Name} in pod {pod.Metadata.Name}_{pod.Metadata.NamespaceProperty}({pod.Metadata.Uid})");
            WakeAt(until);
            return;
        }

        _backoff.Next(key);
        _acted = true;

        // Keep the instance being replaced (for lastState and logs --previous); older ones go.
        if (history.Previous is { } older)
        {
            await _ctx.Runtime.RemoveContainerAsync(older.Id, cancellationToken).ConfigureAwait(false);
        }

        if (latest.State == ContainerState.ContainerCreated)
        {
            // Created but never started (its start failed): it can be retried in place by a new attempt.
            await _ctx.Runtime.RemoveContainerAsync(latest.Id, cancellationToken).ConfigureAwait(false);
        }

        await StartAsync(pod, container, sandbox, sandboxConfig, (latest.Metadata?.Attempt ?? 0) + 1, cancellationToken).ConfigureAwait(false);
    }

    private async Task StartAsync(V1Pod pod, V1Container container, PodSandboxStatus sandbox, PodSandboxConfig sandboxConfig, uint attempt, CancellationToken cancellationToken)
    {
        string? imageRef;
        try
        {
            imageRef = await _ctx.Images.EnsureAsync(pod, container, sandboxConfig, _backoff, _pullFailures, cancellationToken, (type, reason, message) => Event(pod, type, reason, message)).ConfigureAwait(false);
        }
        catch (ImagePullException ex)
        {
            _waiting[container.Name] = new WaitingReason(ex.Reason, ex.Message);
            Log.ImageFailed(_ctx.Logger, PodName(), container.Name, ex.Reason, ex.Message);
            if (_pullFailures.TryGetValue("pull/" + container.Image, out var failed) && _backoff.InBackoff("pull/" + container.Image, failed.At, out _, out var until))
            {
                WakeAt(until);
            }

            return;
        }

        var podIp = pod.Spec.HostNetwork == true ? _ctx.Options.NodeAddress.ToString() : sandbox.Network?.Ip;
        ContainerConfig config;
        try
        {
            var serviceEnv = _ctx.ServiceEnv is null ? null : await _ctx.ServiceEnv(pod.Metadata.NamespaceProperty, pod.Spec.EnableServiceLinks, cancellationToken).ConfigureAwait(false);
            var env = await _ctx.Env.ResolveAsync(new EnvRequest
            {
                Pod = pod,
                Container = container,
                PodIPs = string.IsNullOrEmpty(podIp) ? [] : [podIp],
                HostIPs = [_ctx.Options.NodeAddress.ToString()],
                NodeAllocatable = _ctx.NodeAllocatable,
                ServiceEnv = serviceEnv,
            }, cancellationToken).ConfigureAwait(false);
            var envMap = env.ToDictionary();
            var mounts = await _ctx.Volumes.MountsAsync(pod, container, envMap, _ctx.NodeAllocatable, cancellationToken).ConfigureAwait(false);
            var (command, args) = EnvExpansion.ExpandCommandAndArgs(container.Command, container.Args, envMap);
            config = RuntimeConfigBuilder.Container(pod, container, attempt, env.Variables, command, args, mounts, _ctx.Machine.MemoryBytes);
        }
        catch (Volumes.VolumeSetupException ex)
        {
            // kubelet keeps such a pod in ContainerCreating and reports FailedMount; it retries on the next sync.
            _waiting[container.Name] = new WaitingReason("ContainerCreating", ex.Message);
            Log.ContainerFailed(_ctx.Logger, PodName(), container.Name, "FailedMount", ex.Message);
            Event(pod, "Warning", "FailedMount", ex.Message);
            WakeAt(_ctx.Time.GetUtcNow() + TimeSpan.FromSeconds(5));
            return;
        }
        catch (CreateContainerConfigException ex)
        {
            _waiting[container.Name] = new WaitingReason(CreateContainerConfigException.Reason, ex.Message);
            Log.ContainerFailed(_ctx.Logger, PodName(), container.Name, CreateContainerConfigException.Reason, ex.Message);
            Event(pod, "Warning", "Failed", "Error: " + ex.Message);
            WakeAt(_ctx.Time.GetUtcNow() + TimeSpan.FromSeconds(5));
            return;
        }

        Directory.CreateDirectory(Path.Combine(sandboxConfig.LogDirectory, container.Name));
        _acted = true;
        string id;
        try
        {
            id = await _ctx.Runtime.CreateContainerAsync(sandbox.Id, config, sandboxConfig, cancellationToken).ConfigureAwait(false);
        }
        catch (RuntimeException ex)
        {
            _waiting[container.Name] = new WaitingReason("CreateContainerError", ex.RuntimeMessage);
            Log.ContainerFailed(_ctx.Logger, PodName(), container.Name, "CreateContainerError", ex.RuntimeMessage);
            Event(pod, "Warning", "Failed", "Error: " + ex.RuntimeMessage);
            WakeAt(_ctx.Time.GetUtcNow() + TimeSpan.FromSeconds(5));
            return;
        }

        Event(pod, "Normal", "Created", "Created container: " + container.Name);
        try
        {
            await _ctx.Runtime.StartContainerAsync(id, cancellationToken).ConfigureAwait(false);
        }
        catch (RuntimeException ex)
        {
            _waiting[container.Name] = new WaitingReason("RunContainerError", ex.RuntimeMessage);
            Log.ContainerFailed(_ctx.Logger, PodName(), container.Name, "RunContainerError", ex.RuntimeMessage);
            Event(pod, "Warning", "Failed", "Error: " + ex.RuntimeMessage);
            Signal();
            return;
        }

        _waiting.Remove(container.Name);
        Log.ContainerStarted(_ctx.Logger, PodName(), container.Name, id, attempt);
        Event(pod, "Normal", "Started", "Started container " + container.Name);
        if (container.Lifecycle?.PostStart is { } postStart)
        {
            var failure = await _ctx.Hooks.RunAsync(postStart, id, podIp, TimeSpan.FromSeconds(pod.Spec.TerminationGracePeriodSeconds ?? 30), cancellationToken).ConfigureAwait(false);
            if (failure is not null)
            {
                Log.HookFailed(_ctx.Logger, PodName(), container.Name, "PostStart", failure);
                Event(pod, "Warning", "FailedPostStartHook", failure);
                await _ctx.Runtime.StopContainerAsync(id, pod.Spec.TerminationGracePeriodSeconds ?? 30, cancellationToken).ConfigureAwait(false);
                _waiting[container.Name] = new WaitingReason("PostStartHookError", failure);
            }
        }
    }

    /// <summary>Stops every running container (preStop, then SIGTERM with the rest of the grace period, then SIGKILL) and the sandbox.</summary>
    private async Task KillPodAsync(V1Pod? pod, RuntimePodState state, TimeSpan grace, CancellationToken cancellationToken, bool removeSandbox = true)
    {
        var podIp = state.SandboxStatus?.Network?.Ip;
        var running = state.All.Where(c => c.State is ContainerState.ContainerRunning or ContainerState.ContainerCreated).ToList();
        await Task.WhenAll(running.Select(c =>
        {
            var spec = pod?.Spec.Containers.Concat(pod.Spec.InitContainers ?? []).FirstOrDefault(s => s.Name == c.Metadata?.Name);
            return StopContainerAsync(pod, spec, c.Id, podIp, grace, cancellationToken);
        })).ConfigureAwait(false);
        _ctx.Probes.Remove(Uid);
        foreach (var sandbox in state.Sandboxes)
        {
            await StopSandboxAsync(sandbox.Id, cancellationToken).ConfigureAwait(false);
        }

        _ = removeSandbox;
    }

    private async Task StopContainerAsync(V1Pod? pod, V1Container? container, string id, string? podIp, TimeSpan grace, CancellationToken cancellationToken)
    {
        _acted = true;
        var started = _ctx.Time.GetUtcNow();
        if (pod is not null && container is not null)
        {
            Event(pod, "Normal", "Killing", "Stopping container " + container.Name);
        }

        if (container?.Lifecycle?.PreStop is { } preStop && grace > TimeSpan.Zero)
        {
            var failure = await _ctx.Hooks.RunAsync(preStop, id, podIp, grace, cancellationToken).ConfigureAwait(false);
            if (failure is not null)
            {
                Log.HookFailed(_ctx.Logger, PodName(), container.Name, "PreStop", failure);
                if (pod is not null)
                {
                    Event(pod, "Warning", "FailedPreStopHook", failure);
                }
            }
        }

        var remaining = grace - (_ctx.Time.GetUtcNow() - started);
        if (remaining < MinimumGrace)
        {
            remaining = MinimumGrace;
        }

        await _ctx.Runtime.StopContainerAsync(id, (long)Math.Ceiling(remaining.TotalSeconds), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Stops a sandbox unless this worker has already stopped it. containerd tears the pod network down on every
    /// StopPodSandbox, a stopped sandbox's too (each CNI plugin's DEL, one exec each), and a finished pod is synced every
    /// resync; kubelet likewise stops only sandboxes that are still ready.
    /// </summary>
    private async Task StopSandboxAsync(string id, CancellationToken cancellationToken)
    {
        if (_stoppedSandboxes.Contains(id))
        {
            return;
        }

        await _ctx.Runtime.StopPodSandboxAsync(id, cancellationToken).ConfigureAwait(false);
        _stoppedSandboxes.Add(id);
    }

    /// <summary>Removes the pod's containers, sandboxes and volumes once it is finished for good.</summary>
    private async Task CleanUpAsync(RuntimePodState state, CancellationToken cancellationToken)
    {
        foreach (var container in state.All)
        {
            await _ctx.Runtime.RemoveContainerAsync(container.Id, cancellationToken).ConfigureAwait(false);
        }

        foreach (var sandbox in state.Sandboxes)
        {
            await StopSandboxAsync(sandbox.Id, cancellationToken).ConfigureAwait(false);
            await _ctx.Runtime.RemovePodSandboxAsync(sandbox.Id, cancellationToken).ConfigureAwait(false);
            _stoppedSandboxes.Remove(sandbox.Id);
        }

        await _ctx.Volumes.TearDownAsync(Uid, cancellationToken).ConfigureAwait(false);
    }

    private async Task<V1PodStatus> WriteStatusAsync(V1Pod pod, RuntimePodState state, bool terminating, CancellationToken cancellationToken)
    {
        var basis = pod;
        if (_lastStatus is not null)
        {
            basis = KubernetesJson.Deserialize<V1Pod>(KubernetesJson.Serialize(pod));
            basis.Status = _lastStatus;
            if (pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled") is { } scheduled)
            {
                _lastStatus.Conditions = [.. (_lastStatus.Conditions ?? []).Where(c => c.Type != "PodScheduled"), scheduled];
            }
        }

        var status = PodStatusBuilder.Build(new PodStatusBuilder.Input
        {
            Pod = basis,
            Sandbox = state.SandboxStatus,
            Containers = state.Containers,
            Waiting = _waiting,
            Readiness = (name, id) => _ctx.Probes.Ready(pod, name, id),
            Startup = (name, id) => _ctx.Probes.Started(pod, name, id),
            NodeAddress = _ctx.Options.NodeAddress.ToString(),
            Now = _ctx.Time.GetUtcNow().UtcDateTime,
            Terminating = terminating,
        });
        ApplyEviction(status, basis.Status);
        var json = KubernetesJson.Serialize(status);
        lock (_lock)
        {
            if (_statusReset)
            {
                _statusReset = false;
                _lastStatusJson = null;
            }
        }

        if (json == _lastStatusJson)
        {
            return status;
        }

        var patch = new JsonObject { ["status"] = JsonNode.Parse(json) };
        try
        {
            await _ctx.Pods.PatchAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, patch.ToJsonString(), cancellationToken, "status").ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound && StaticPods.StaticPodManifests.IsStatic(pod))
        {
            // A static pod's status goes to its mirror pod, which is not there (yet): it is written once the mirror exists.
            _lastStatus = status;
            return status;
        }
        catch (HttpRequestException) when (StaticPods.StaticPodManifests.IsStatic(pod))
        {
            // A static pod runs without the API server; its status is written when the server answers again.
            _lastStatus = status;
            WakeAt(_ctx.Time.GetUtcNow() + TimeSpan.FromSeconds(5));
            return status;
        }

        if (_lastStatus?.Phase != status.Phase)
        {
            Log.Phase(_ctx.Logger, PodName(), status.Phase);
        }

        _lastStatusJson = json;
        _lastStatus = status;
        return status;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "PodSyncFailed", Level = LogLevel.Warning, Message = "pod {Pod}: sync failed, retrying: {Error}")]
        public static partial void SyncFailed(ILogger logger, string pod, string error);

        [LoggerMessage(EventId = 2, EventName = "PodSandboxStarted", Level = LogLevel.Information, Message = "pod {Pod}: sandbox {Sandbox} started")]
        public static partial void SandboxStarted(ILogger logger, string pod, string sandbox);

        [LoggerMessage(EventId = 3, EventName = "PodSandboxFailed", Level = LogLevel.Warning, Message = "pod {Pod}: cannot create the pod sandbox: {Error}")]
        public static partial void SandboxFailed(ILogger logger, string pod, string error);

        [LoggerMessage(EventId = 4, EventName = "ContainerStarted", Level = LogLevel.Information, Message = "pod {Pod}: container {Container} started ({Id}, attempt {Attempt})")]
        public static partial void ContainerStarted(ILogger logger, string pod, string container, string id, uint attempt);

        [LoggerMessage(EventId = 5, EventName = "ContainerFailed", Level = LogLevel.Warning, Message = "pod {Pod}: container {Container}: {Reason}: {Error}")]
        public static partial void ContainerFailed(ILogger logger, string pod, string container, string reason, string error);

        [LoggerMessage(EventId = 6, EventName = "ImageFailed", Level = LogLevel.Warning, Message = "pod {Pod}: container {Container}: {Reason}: {Error}")]
        public static partial void ImageFailed(ILogger logger, string pod, string container, string reason, string error);

        [LoggerMessage(EventId = 7, EventName = "HookFailed", Level = LogLevel.Warning, Message = "pod {Pod}: container {Container}: {Hook} hook failed: {Error}")]
        public static partial void HookFailed(ILogger logger, string pod, string container, string hook, string error);

        [LoggerMessage(EventId = 8, EventName = "PodDeleted", Level = LogLevel.Information, Message = "pod {Pod}: stopped and deleted")]
        public static partial void Deleted(ILogger logger, string pod);

        [LoggerMessage(EventId = 9, EventName = "PodPhase", Level = LogLevel.Information, Message = "pod {Pod}: phase {Phase}")]
        public static partial void Phase(ILogger logger, string pod, string phase);

        [LoggerMessage(EventId = 10, EventName = "ProbeKill", Level = LogLevel.Information, Message = "pod {Pod}: container {Container} failed a probe and will be restarted: {Message}")]
        public static partial void ProbeKill(ILogger logger, string pod, string container, string message);
    }
}
