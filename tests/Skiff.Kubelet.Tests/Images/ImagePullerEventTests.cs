using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Images;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime.Simulated;

namespace Skiff.Kubelet.Tests.Images;

/// <summary>The pod events the image step reports, with kubelet's reasons and texts.</summary>
public sealed class ImagePullerEventTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 9, 0, 0, TimeSpan.Zero));
    private readonly List<string> _events = [];

    private async Task EnsureAsync(string? policy, ImagePuller puller)
    {
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Uid = "u1" }, Spec = new V1PodSpec { Containers = [] } };
        var container = new V1Container { Name = "app", Image = "registry.local/web:1", ImagePullPolicy = policy };
        await puller.EnsureAsync(pod, container, new PodSandboxConfig(), new CrashLoopBackoff(_time), [], CancellationToken.None,
            (type, reason, message) => _events.Add($"{type} {reason} {message}"));
    }

    private ImagePuller Puller() =>
        new(new SimulatedRuntime(new SimulatedRuntimeOptions(), () => "10.42.0.0/24", _time, new Random(1)), (_, _, _) => Task.FromResult<V1Secret?>(null), _time);

    [Fact]
    public async Task IfNotPresent_WithTheImageThere_ReportsAlreadyPresent()
    {
        var puller = Puller();
        await EnsureAsync("Always", puller);
        _events.Clear();

        await EnsureAsync("IfNotPresent", puller);

        Assert.Equal(["Normal Pulled Container image \"registry.local/web:1\" already present on machine"], _events);
    }

    [Fact]
    public async Task Always_ReportsPullingThenPulledWithTheTime()
    {
        await EnsureAsync("Always", Puller());

        Assert.Equal(2, _events.Count);
        Assert.Equal("Normal Pulling Pulling image \"registry.local/web:1\"", _events[0]);
        Assert.Matches("^Normal Pulled Successfully pulled image \"registry.local/web:1\" in [0-9.]+s \\([0-9.]+s including waiting\\)$", _events[1]);
    }
}
