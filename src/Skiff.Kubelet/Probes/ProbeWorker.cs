using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Events;

namespace Skiff.Kubelet.Probes;

/// <summary>
/// Probes one container with one probe kind, periodically, as the kubelet's probe worker does: a new container ID
/// resets the state to the kind's initial result (readiness Failure, liveness Success, startup Unknown); nothing is
/// probed before initialDelaySeconds have passed since the container started; liveness and readiness wait until the
/// startup probe (if any) has succeeded, and the startup probe stops once it has; a result is published only after
/// successThreshold / failureThreshold equal results in a row; after a liveness or startup failure the worker holds
/// until the container is replaced; a deleted pod's liveness and startup are set to Success and the worker stops.
/// Probe errors (e.g. an unknown named port) are retried up to 3 times, recorded as an event and discarded.
/// </summary>
/// <remarks>Not thread-safe by itself: one <see cref="RunAsync"/> (or test calls to <see cref="ProbeOnceAsync"/>) at a time.</remarks>
internal sealed partial class ProbeWorker
{
    private const int MaxProbeRetries = 3;

    private readonly IProbeRunner _runner;
    private readonly ProbeResults _results;
    private readonly Func<ContainerProbeState?> _state;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEventRecorder? _recorder;
    private TaskCompletionSource _triggered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile V1Pod _pod;
    private volatile string? _podIP;
    private string? _containerId;
    private ProbeResult _lastResult = ProbeResult.Unknown;
    private int _resultRun;
    private bool _onHold;

    public ProbeWorker(ProbeType type, V1Pod pod, V1Container container, IProbeRunner runner, ProbeResults results,
        Func<ContainerProbeState?> state, TimeProvider time, ILogger logger, IEventRecorder? recorder = null)
    {
        Type = type;
        _pod = pod;
        Container = container;
        Probe = type switch
        {
            ProbeType.Liveness => container.LivenessProbe,
            ProbeType.Readiness => container.ReadinessProbe,
            _ => container.StartupProbe,
        } ?? throw new ArgumentException($"container {container.Name} has no {type} probe", nameof(type));
        _runner = runner;
        _results = results;
        _state = state;
        _time = time;
        _logger = logger;
        _recorder = recorder;
        _podIP = pod.Status?.PodIP;
    }

    public ProbeType Type { get; }

    public V1Container Container { get; }

    public V1Probe Probe { get; }

    /// <summary>The probe's period (periodSeconds, default 10).</summary>
    public TimeSpan Period => TimeSpan.FromSeconds(Probe.PeriodSeconds is > 0 ? Probe.PeriodSeconds.Value : 10);

    /// <summary>The result published when a new container is first seen.</summary>
    public ProbeResult InitialResult => Type switch
    {
        ProbeType.Readiness => ProbeResult.Failure,
        ProbeType.Liveness => ProbeResult.Success,
        _ => ProbeResult.Unknown,
    };

    private string PodUid => _pod.Metadata?.Uid ?? "";

    /// <summary>Replaces the pod (a deletion timestamp, a new pod IP).</summary>
    public void UpdatePod(V1Pod pod, string? podIP = null)
    {
        _pod = pod;
        _podIP = podIP ?? pod.Status?.PodIP ?? _podIP;
    }

    /// <summary>Asks for a probe now instead of at the next period (e.g. the container just started).</summary>
    public void Trigger() => Volatile.Read(ref _triggered).TrySetResult();

    /// <summary>Probes every period until the pod is gone, the container will not run again, or the token is cancelled; then forgets its result.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Period, _time);
        // The tick wait survives a round it did not end, so no tick is lost; a trigger that came before a probe is
        // answered by that probe.
        Task<bool>? tick = null;
        try
        {
            while (true)
            {
                if (_triggered.Task.IsCompleted)
                {
                    Volatile.Write(ref _triggered, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }

                if (!await ProbeOnceAsync(cancellationToken).ConfigureAwait(false))
                {
                    break;
                }

                tick ??= timer.WaitForNextTickAsync(cancellationToken).AsTask();
                var done = await Task.WhenAny(tick, Volatile.Read(ref _triggered).Task.WaitAsync(cancellationToken)).ConfigureAwait(false);
                await done.ConfigureAwait(false);
                if (done == tick)
                {
                    tick = null;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            if (_containerId is not null)
            {
                _results.Remove(_containerId, Type);
            }
        }
    }

    /// <summary>One round of the worker (the kubelet's doProbe); false when the worker should stop.</summary>
    public async Task<bool> ProbeOnceAsync(CancellationToken cancellationToken)
    {
        var pod = _pod;
        var c = _state();
        if (c is null || string.IsNullOrEmpty(c.ContainerId))
        {
            // Not created yet, or deleted.
            return true;
        }

        if (_containerId != c.ContainerId)
        {
            if (_containerId is not null)
            {
                _results.Remove(_containerId, Type);
            }

            _containerId = c.ContainerId;
            _lastResult = ProbeResult.Unknown;
            _resultRun = 0;
            _onHold = false;
            Publish(InitialResult);
        }

        if (_onHold)
        {
            return true;
        }

        if (!c.Running)
        {
            Publish(ProbeResult.Failure);
            // Stop when the container will not be restarted.
            return !c.Terminated || pod.Spec?.RestartPolicy != "Never";
        }

        if (pod.Metadata?.DeletionTimestamp is not null && Type is ProbeType.Liveness or ProbeType.Startup)
        {
            // A quiet shutdown: no restarts for a pod that is going away.
            Publish(ProbeResult.Success);
            return false;
        }

        var sinceStart = _time.GetUtcNow() - c.StartedAt;
        if ((int)sinceStart.TotalSeconds < (Probe.InitialDelaySeconds ?? 0))
        {
            return true;
        }

        var started = Container.StartupProbe is null
            || (_results.TryGet(c.ContainerId, ProbeType.Startup, out var s) && s == ProbeResult.Success);
        if (started ? Type == ProbeType.Startup : Type != ProbeType.Startup)
        {
            // Startup probing is over once the container has started; the others wait for it.
            return true;
        }

        ProbeOutcome outcome = ProbeOutcome.Unknown("not run");
        for (var attempt = 0; attempt < MaxProbeRetries; attempt++)
        {
            outcome = await _runner.RunAsync(Probe, pod, Container, c.ContainerId, _podIP, cancellationToken).ConfigureAwait(false);
            if (outcome.Status != ProbeStatus.Unknown)
            {
                break;
            }
        }

        ProbeResult result;
        switch (outcome.Status)
        {
            case ProbeStatus.Success:
                result = ProbeResult.Success;
                break;
            case ProbeStatus.Warning:
                Record("ProbeWarning", $"{Type} probe warning: {outcome.Output}");
                result = ProbeResult.Success;
                break;
            case ProbeStatus.Failure:
                Record("Unhealthy", $"{Type} probe failed: {outcome.Output}");
                result = ProbeResult.Failure;
                break;
            default:
                Record("Unhealthy", $"{Type} probe errored and resulted in unknown state: {outcome.Output}");
                Log.ProbeErrored(_logger, Type, pod.Metadata?.NamespaceProperty, pod.Metadata?.Name, Container.Name, outcome.Output);
                return true;
        }

        if (_lastResult == result)
        {
            _resultRun++;
        }
        else
        {
            _lastResult = result;
            _resultRun = 1;
        }

        if ((result == ProbeResult.Failure && _resultRun < (Probe.FailureThreshold is > 0 ? Probe.FailureThreshold.Value : 3))
            || (result == ProbeResult.Success && _resultRun < (Probe.SuccessThreshold is > 0 ? Probe.SuccessThreshold.Value : 1)))
        {
            return true;
        }

        Publish(result);
        if (result == ProbeResult.Failure && Type is ProbeType.Liveness or ProbeType.Startup)
        {
            // The container will be restarted; hold until a new container ID shows up.
            Log.ContainerUnhealthy(_logger, Type, pod.Metadata?.NamespaceProperty, pod.Metadata?.Name, Container.Name);
            _onHold = true;
            _resultRun = 0;
        }

        return true;
    }

    private void Publish(ProbeResult result)
    {
        long? grace = null;
        if (Type is ProbeType.Liveness or ProbeType.Startup)
        {
            grace = Probe.TerminationGracePeriodSeconds ?? _pod.Spec?.TerminationGracePeriodSeconds;
        }

        _results.Set(new ProbeUpdate(PodUid, Container.Name, _containerId!, Type, result, grace));
    }

    private void Record(string reason, string message)
    {
        if (_recorder is not null)
        {
            _recorder.Event(_pod, "Warning", reason, message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "ProbeErrored", Level = LogLevel.Warning,
            Message = "{Type} probe of container {Container} of pod {Namespace}/{Pod} errored: {Error}")]
        public static partial void ProbeErrored(ILogger logger, ProbeType type, string? @namespace, string? pod, string container, string error);

        [LoggerMessage(EventId = 2, EventName = "ContainerUnhealthy", Level = LogLevel.Information,
            Message = "{Type} probe of container {Container} of pod {Namespace}/{Pod} failed; the container will be restarted")]
        public static partial void ContainerUnhealthy(ILogger logger, ProbeType type, string? @namespace, string? pod, string container);
    }
}
