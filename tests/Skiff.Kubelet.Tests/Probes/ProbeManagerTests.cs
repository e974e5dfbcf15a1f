using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Probes;

namespace Skiff.Kubelet.Tests.Probes;

public class ProbeManagerTests
{
    [Fact]
    public async Task Manager_runs_workers_and_answers_started_and_ready()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var runner = new ScriptedRunner().Then(ProbeStatus.Success);
        await using var manager = new ProbeManager(runner, time, NullLogger<ProbeManager>.Instance);
        var probe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 80 }, PeriodSeconds = 5 };
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "shop", Uid = "pod-1" },
            Spec = new V1PodSpec
            {
                Containers =
                [
                    new V1Container { Name = "app", StartupProbe = probe, ReadinessProbe = probe },
                    new V1Container { Name = "plain" },
                ],
            },
        };
        manager.AddPod(pod);
        manager.AddPod(pod); // idempotent
        Assert.False(manager.IsStarted("pod-1", "app"));

        manager.SetContainerState("pod-1", "plain", new ContainerProbeState("p1", true, time.GetUtcNow()));
        Assert.True(manager.IsStarted("pod-1", "plain"));
        Assert.True(manager.IsReady("pod-1", "plain"));

        manager.SetContainerState("pod-1", "app", new ContainerProbeState("a1", true, time.GetUtcNow()));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!manager.IsReady("pod-1", "app"))
        {
            Assert.True(DateTime.UtcNow < deadline, "app never became ready");
            // Startup succeeds on the first round; readiness runs on its next period.
            var update = await manager.Results.Updates.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));
            if (update is { Type: ProbeType.Startup, Result: ProbeResult.Success })
            {
                time.Advance(TimeSpan.FromSeconds(5));
            }
        }

        Assert.True(manager.IsStarted("pod-1", "app"));
        await manager.RemovePodAsync("pod-1");
        Assert.False(manager.IsReady("pod-1", "app"));
        Assert.False(manager.Results.TryGet("a1", ProbeType.Readiness, out _));
    }
}
