using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Probes;

namespace Skiff.Kubelet.Tests.Probes;

public class ProbeWorkerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly ProbeResults _results = new();
    private readonly RecordingEvents _events = new();
    private ContainerProbeState? _state;

    private static V1Probe Probe(int initialDelay = 0, int success = 1, int failure = 3, long? grace = null) => new()
    {
        HttpGet = new V1HTTPGetAction { Port = 8080, Path = "/healthz" },
        InitialDelaySeconds = initialDelay,
        PeriodSeconds = 10,
        SuccessThreshold = success,
        FailureThreshold = failure,
        TerminationGracePeriodSeconds = grace,
    };

    private static V1Pod Pod(V1Container c) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "shop", Uid = "pod-1" },
        Spec = new V1PodSpec { Containers = [c], TerminationGracePeriodSeconds = 30, RestartPolicy = "Always" },
        Status = new V1PodStatus { PodIP = "10.42.0.7" },
    };

    private ProbeWorker Worker(ProbeType type, V1Container c, ScriptedRunner runner) =>
        new(type, Pod(c), c, runner, _results, () => _state, _time, NullLogger.Instance, _events);

    private ProbeResult? Result(string id, ProbeType type) => _results.TryGet(id, type, out var r) ? r : null;

    private void Running(string id = "c1", int startedSecondsAgo = 100) =>
        _state = new ContainerProbeState(id, true, _time.GetUtcNow() - TimeSpan.FromSeconds(startedSecondsAgo));

    [Fact]
    public async Task No_container_means_no_probe_and_no_result()
    {
        var runner = new ScriptedRunner();
        var w = Worker(ProbeType.Readiness, new V1Container { Name = "app", ReadinessProbe = Probe() }, runner);
        Assert.True(await w.ProbeOnceAsync(default));
        Assert.Equal(0, runner.Runs);
    }

    [Theory]
    [InlineData("Readiness", "Failure")]
    [InlineData("Liveness", "Success")]
    [InlineData("Startup", "Unknown")]
    public async Task New_container_gets_the_initial_result(string typeName, string initialName)
    {
        var type = Enum.Parse<ProbeType>(typeName);
        var c = new V1Container { Name = "app", ReadinessProbe = Probe(initialDelay: 60), LivenessProbe = Probe(initialDelay: 60), StartupProbe = Probe(initialDelay: 60) };
        var runner = new ScriptedRunner();
        var w = Worker(type, c, runner);
        Running(startedSecondsAgo: 0);
        await w.ProbeOnceAsync(default);
        Assert.Equal(Enum.Parse<ProbeResult>(initialName), Result("c1", type));
        Assert.Equal(0, runner.Runs); // still inside initialDelaySeconds
    }

    [Fact]
    public async Task InitialDelaySeconds_counts_from_container_start()
    {
        var runner = new ScriptedRunner().Then(ProbeStatus.Success);
        var w = Worker(ProbeType.Readiness, new V1Container { Name = "app", ReadinessProbe = Probe(initialDelay: 15) }, runner);
        Running(startedSecondsAgo: 0);
        await w.ProbeOnceAsync(default);
        _time.Advance(TimeSpan.FromSeconds(14.9));
        await w.ProbeOnceAsync(default);
        Assert.Equal(0, runner.Runs);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        await w.ProbeOnceAsync(default);
        Assert.Equal(1, runner.Runs);
        Assert.Equal(ProbeResult.Success, Result("c1", ProbeType.Readiness));
        Assert.Equal("10.42.0.7", runner.LastPodIP);
    }

    [Fact]
    public async Task Thresholds_require_consecutive_results()
    {
        var runner = new ScriptedRunner().Then(ProbeStatus.Success, ProbeStatus.Success, ProbeStatus.Failure, ProbeStatus.Success,
            ProbeStatus.Failure, ProbeStatus.Failure, ProbeStatus.Failure);
        var w = Worker(ProbeType.Readiness, new V1Container { Name = "app", ReadinessProbe = Probe(success: 2, failure: 3) }, runner);
        Running();
        var seen = new List<ProbeResult?>();
        for (var i = 0; i < 7; i++)
        {
            await w.ProbeOnceAsync(default);
            seen.Add(Result("c1", ProbeType.Readiness));
        }

        Assert.Equal<ProbeResult?>(
            [ProbeResult.Failure, ProbeResult.Success, ProbeResult.Success, ProbeResult.Success, ProbeResult.Success, ProbeResult.Success, ProbeResult.Failure],
            seen);
        Assert.Contains("Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500", _events.Events);
    }

    [Fact]
    public async Task Liveness_failure_publishes_once_holds_until_new_container_and_records_grace_override()
    {
        var runner = new ScriptedRunner().Then(ProbeStatus.Failure);
        var c = new V1Container { Name = "app", LivenessProbe = Probe(failure: 2, grace: 5) };
        var w = Worker(ProbeType.Liveness, c, runner);
        Running("c1");
        await w.ProbeOnceAsync(default);
        Assert.Equal(ProbeResult.Success, Result("c1", ProbeType.Liveness));
        await w.ProbeOnceAsync(default);
        Assert.True(_results.Updates.TryRead(out var initial));
        Assert.Equal(ProbeResult.Success, initial.Result);
        Assert.True(_results.Updates.TryRead(out var failed));
        Assert.Equal(new ProbeUpdate("pod-1", "app", "c1", ProbeType.Liveness, ProbeResult.Failure, 5), failed);

        // On hold: no more probes of the doomed container.
        await w.ProbeOnceAsync(default);
        await w.ProbeOnceAsync(default);
        Assert.Equal(2, runner.Runs);

        // The restarted container starts over from Success.
        runner.Then(ProbeStatus.Success);
        Running("c2");
        await w.ProbeOnceAsync(default);
        Assert.Equal(3, runner.Runs);
        Assert.Equal(ProbeResult.Success, Result("c2", ProbeType.Liveness));
        Assert.Null(Result("c1", ProbeType.Liveness));
    }

    [Fact]
    public async Task Grace_period_falls_back_to_the_pod()
    {
        var runner = new ScriptedRunner().Then(ProbeStatus.Failure);
        var w = Worker(ProbeType.Liveness, new V1Container { Name = "app", LivenessProbe = Probe(failure: 1) }, runner);
        Running();
        await w.ProbeOnceAsync(default);
        _results.Updates.TryRead(out _);
        Assert.True(_results.Updates.TryRead(out var failed));
        Assert.Equal(30, failed.TerminationGracePeriodSeconds);
    }

    [Fact]
    public async Task Startup_probe_gates_liveness_and_readiness_then_stops()
    {
        var c = new V1Container { Name = "app", StartupProbe = Probe(failure: 30), LivenessProbe = Probe(), ReadinessProbe = Probe() };
        var startupRunner = new ScriptedRunner().Then(ProbeStatus.Failure, ProbeStatus.Success);
        var livenessRunner = new ScriptedRunner();
        var readinessRunner = new ScriptedRunner();
        var startup = Worker(ProbeType.Startup, c, startupRunner);
        var liveness = Worker(ProbeType.Liveness, c, livenessRunner);
        var readiness = Worker(ProbeType.Readiness, c, readinessRunner);
        Running();

        await startup.ProbeOnceAsync(default);
        await liveness.ProbeOnceAsync(default);
        await readiness.ProbeOnceAsync(default);
        Assert.Equal((1, 0, 0), (startupRunner.Runs, livenessRunner.Runs, readinessRunner.Runs));
        Assert.Equal(ProbeResult.Unknown, Result("c1", ProbeType.Startup)); // one failure of 30 changes nothing

        await startup.ProbeOnceAsync(default);
        Assert.Equal(ProbeResult.Success, Result("c1", ProbeType.Startup));
        await startup.ProbeOnceAsync(default);
        await liveness.ProbeOnceAsync(default);
        await readiness.ProbeOnceAsync(default);
        Assert.Equal((2, 1, 1), (startupRunner.Runs, livenessRunner.Runs, readinessRunner.Runs));
        Assert.Equal(ProbeResult.Success, Result("c1", ProbeType.Readiness));
    }

    [Fact]
    public async Task Startup_failure_holds_like_liveness()
    {
        var runner = new ScriptedRunner().Then(ProbeStatus.Failure);
        var w = Worker(ProbeType.Startup, new V1Container { Name = "app", StartupProbe = Probe(failure: 2) }, runner);
        Running();
        for (var i = 0; i < 5; i++)
        {
            await w.ProbeOnceAsync(default);
        }

        Assert.Equal(2, runner.Runs);
        Assert.Equal(ProbeResult.Failure, Result("c1", ProbeType.Startup));
    }

    [Fact]
    public async Task Warning_counts_as_success_with_an_event_and_errors_are_discarded()
    {
        var runner = new ScriptedRunner().Then(ProbeStatus.Warning, ProbeStatus.Unknown, ProbeStatus.Unknown, ProbeStatus.Unknown);
        var w = Worker(ProbeType.Readiness, new V1Container { Name = "app", ReadinessProbe = Probe() }, runner);
        Running();
        await w.ProbeOnceAsync(default);
        Assert.Equal(ProbeResult.Success, Result("c1", ProbeType.Readiness));
        Assert.Contains("Warning ProbeWarning Readiness probe warning: Warning", _events.Events);

        await w.ProbeOnceAsync(default);
        Assert.Equal(4, runner.Runs); // three attempts for an errored probe
        Assert.Equal(ProbeResult.Success, Result("c1", ProbeType.Readiness));
        Assert.Contains("Warning Unhealthy Readiness probe errored and resulted in unknown state: Unknown", _events.Events);
    }

    [Fact]
    public async Task Stopped_container_fails_and_the_worker_ends_only_without_restarts()
    {
        var runner = new ScriptedRunner();
        var c = new V1Container { Name = "app", ReadinessProbe = Probe() };
        var w = Worker(ProbeType.Readiness, c, runner);
        Running();
        await w.ProbeOnceAsync(default);
        _state = _state! with { Running = false, Terminated = true };
        Assert.True(await w.ProbeOnceAsync(default));
        Assert.Equal(ProbeResult.Failure, Result("c1", ProbeType.Readiness));

        var pod = Pod(c);
        pod.Spec.RestartPolicy = "Never";
        w.UpdatePod(pod);
        Assert.False(await w.ProbeOnceAsync(default));
    }

    [Fact]
    public async Task Deleted_pod_sets_liveness_success_and_stops()
    {
        var runner = new ScriptedRunner().Then(ProbeStatus.Failure);
        var c = new V1Container { Name = "app", LivenessProbe = Probe(failure: 1) };
        var w = Worker(ProbeType.Liveness, c, runner);
        Running();
        var pod = Pod(c);
        pod.Metadata.DeletionTimestamp = _time.GetUtcNow().UtcDateTime;
        w.UpdatePod(pod);
        Assert.False(await w.ProbeOnceAsync(default));
        Assert.Equal(0, runner.Runs);
        Assert.Equal(ProbeResult.Success, Result("c1", ProbeType.Liveness));
    }

    [Fact]
    public async Task RunAsync_probes_every_period_on_the_injected_clock()
    {
        var runner = new ScriptedRunner().Then(ProbeStatus.Success, ProbeStatus.Failure);
        var w = Worker(ProbeType.Readiness, new V1Container { Name = "app", ReadinessProbe = Probe(failure: 1) }, runner);
        Running();
        using var cts = new CancellationTokenSource();
        var run = w.RunAsync(cts.Token);
        var deadline = TimeSpan.FromSeconds(30);

        Assert.Equal(ProbeResult.Failure, (await _results.Updates.ReadAsync().AsTask().WaitAsync(deadline)).Result);  // initial
        Assert.Equal(ProbeResult.Success, (await _results.Updates.ReadAsync().AsTask().WaitAsync(deadline)).Result);  // first probe at once
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(ProbeResult.Failure, (await _results.Updates.ReadAsync().AsTask().WaitAsync(deadline)).Result);  // next period
        Assert.Equal(2, runner.Runs);

        runner.Then(ProbeStatus.Success);
        w.Trigger();
        Assert.Equal(ProbeResult.Success, (await _results.Updates.ReadAsync().AsTask().WaitAsync(deadline)).Result);  // manual trigger

        await cts.CancelAsync();
        await run.WaitAsync(deadline);
        Assert.Null(Result("c1", ProbeType.Readiness));
    }
}
