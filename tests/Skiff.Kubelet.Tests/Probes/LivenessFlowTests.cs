using k8s.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Probes;

namespace Skiff.Kubelet.Tests.Probes;

/// <summary>
/// The whole chain the kubelet core relies on: a real HTTP server, the real prober, a worker on a fake clock and the
/// manager's results channel reporting the liveness failure that restarts the container.
/// </summary>
public class LivenessFlowTests
{
    [Fact]
    public async Task Failing_http_liveness_probe_reports_a_restart_after_failureThreshold()
    {
        var healthy = true;
        await using var server = await TestServer.StartAsync(ctx =>
        {
            ctx.Response.StatusCode = Volatile.Read(ref healthy) ? 200 : 500;
            return Task.CompletedTask;
        });
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        using var real = new ProbeRunner(null, TimeProvider.System);
        var runner = new SignallingRunner(real);
        var recorder = new RecordingEvents();
        await using var manager = new ProbeManager(runner, time, NullLogger<ProbeManager>.Instance, recorder);
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "shop", Uid = "pod-9" },
            Spec = new V1PodSpec
            {
                TerminationGracePeriodSeconds = 30,
                Containers =
                [
                    new V1Container
                    {
                        Name = "app",
                        Ports = [new V1ContainerPort { Name = "http", ContainerPort = server.Port }],
                        LivenessProbe = new V1Probe
                        {
                            HttpGet = new V1HTTPGetAction { Port = "http", Path = "/healthz" },
                            PeriodSeconds = 1,
                            FailureThreshold = 2,
                            TimeoutSeconds = 5,
                        },
                    },
                ],
            },
        };
        var wait = TimeSpan.FromSeconds(30);
        manager.AddPod(pod, "127.0.0.1");
        manager.SetContainerState("pod-9", "app", new ContainerProbeState("c1", true, time.GetUtcNow()));

        var initial = await manager.Results.Updates.ReadAsync().AsTask().WaitAsync(wait);
        Assert.Equal((ProbeType.Liveness, ProbeResult.Success), (initial.Type, initial.Result));
        await runner.Ran.WaitAsync(wait); // the probe right after the container started: healthy

        // From now on every probe fails; the failure is published on the second failure in a row.
        Volatile.Write(ref healthy, false);
        ProbeUpdate? failed = null;
        var probes = 0;
        while (failed is null)
        {
            Assert.True(++probes <= 5, "no liveness failure published");
            time.Advance(TimeSpan.FromSeconds(1));
            await runner.Ran.WaitAsync(wait);
            if (manager.Results.Updates.TryRead(out var update))
            {
                failed = update;
            }
        }

        Assert.True(probes <= 2, $"published only after {probes} failing probes");
        Assert.Equal(new ProbeUpdate("pod-9", "app", "c1", ProbeType.Liveness, ProbeResult.Failure, 30), failed);
        Assert.Contains("Warning Unhealthy Liveness probe failed: HTTP probe failed with statuscode: 500", recorder.Events);
    }

    private sealed class SignallingRunner(IProbeRunner inner) : IProbeRunner
    {
        public SemaphoreSlim Ran { get; } = new(0);

        public async Task<ProbeOutcome> RunAsync(V1Probe probe, V1Pod pod, V1Container container, string containerId, string? podIP, CancellationToken cancellationToken)
        {
            try
            {
                return await inner.RunAsync(probe, pod, container, containerId, podIP, cancellationToken);
            }
            finally
            {
                Ran.Release();
            }
        }
    }
}
