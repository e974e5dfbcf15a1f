using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.Endpoint;

namespace Skiff.Controllers.Tests.Endpoint;

public sealed class EndpointsControllerTests
{
    private readonly FakeInformer<V1Service> _services = new();
    private readonly FakeInformer<V1Pod> _pods = new();
    private readonly FakeInformer<V1Endpoints> _endpoints = new();
    private readonly FakeResourceClient<V1Endpoints> _client = new(ApiResource.Endpoints);
    private readonly EndpointsController _controller;

    public EndpointsControllerTests()
    {
        _controller = new EndpointsController(_services, _pods, _endpoints, _client, new FakeTimeProvider(), NullLogger.Instance);
    }

    internal static V1Service Service(string targetPort = "8080", bool headless = false, bool publishNotReady = false, string name = "svc")
    {
        return new V1Service
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", Uid = "svc-uid", Labels = new Dictionary<string, string> { ["team"] = "x" } },
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string> { ["app"] = "web" },
                ClusterIP = headless ? "None" : null,
                PublishNotReadyAddresses = publishNotReady,
                Ports = [new V1ServicePort { Name = "http", Port = 80, TargetPort = targetPort, Protocol = "TCP" }],
            },
        };
    }

    internal static V1Pod Pod(string name, string? ip, bool ready, string app = "web", bool terminating = false, string phase = "Running", string restartPolicy = "Always", int containerPort = 8080)
    {
        return new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = "ns",
                Uid = name + "-uid",
                ResourceVersion = "1",
                Labels = new Dictionary<string, string> { ["app"] = app },
                DeletionTimestamp = terminating ? DateTime.UtcNow : null,
            },
            Spec = new V1PodSpec
            {
                NodeName = "node-1",
                RestartPolicy = restartPolicy,
                Hostname = name,
                Subdomain = "svc",
                Containers = [new V1Container { Name = "c", Image = "img", Ports = [new V1ContainerPort { Name = "web", ContainerPort = containerPort }] }],
            },
            Status = new V1PodStatus
            {
                Phase = phase,
                PodIP = ip,
                PodIPs = ip is null ? null : [new V1PodIP { Ip = ip }],
                Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }],
            },
        };
    }

    public static TheoryData<string, string, string, string> Cases => new()
    {
        // case, pod description, expected ready IPs, expected not-ready IPs
        { "ready pod is an address", "10.42.0.1:ready", "10.42.0.1", "" },
        { "unready pod is a not-ready address", "10.42.0.1:unready", "", "10.42.0.1" },
        { "pod without IP is left out", "-:ready", "", "" },
        { "terminating pod is left out", "10.42.0.1:ready:terminating", "", "" },
        { "succeeded pod with restartPolicy Never is left out", "10.42.0.1:ready:Succeeded:Never", "", "" },
        { "failed pod with restartPolicy Always stays", "10.42.0.1:ready:Failed:Always", "10.42.0.1", "" },
        { "pod of another app is left out", "10.42.0.1:ready:other", "", "" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Desired_PodStates(string name, string pod, string ready, string notReady)
    {
        _ = name;
        var parts = pod.Split(':');
        var p = Pod("p", parts[0] == "-" ? null : parts[0], parts[1] == "ready",
            app: parts.Contains("other") ? "other" : "web",
            terminating: parts.Contains("terminating"),
            phase: parts.Length > 3 ? parts[2] : "Running",
            restartPolicy: parts.Length > 3 ? parts[3] : "Always");
        var subsets = EndpointsController.Desired(Service(), [p], out _);
        Assert.Equal(ready, string.Join(",", subsets.SelectMany(s => s.Addresses ?? []).Select(a => a.Ip)));
        Assert.Equal(notReady, string.Join(",", subsets.SelectMany(s => s.NotReadyAddresses ?? []).Select(a => a.Ip)));
    }

    [Fact]
    public void Desired_PublishNotReadyAddresses_PutsUnreadyAndTerminatingPodsInAddresses()
    {
        var subsets = EndpointsController.Desired(Service(publishNotReady: true), [Pod("a", "10.42.0.1", false), Pod("b", "10.42.0.2", true, terminating: true)], out _);
        var subset = Assert.Single(subsets);
        Assert.Equal(["10.42.0.1", "10.42.0.2"], subset.Addresses.Select(a => a.Ip));
        Assert.Null(subset.NotReadyAddresses);
    }

    [Fact]
    public void Desired_NamedTargetPort_ResolvedPerPod_GroupsSubsetsByPort()
    {
        var subsets = EndpointsController.Desired(Service(targetPort: "web"), [Pod("a", "10.42.0.2", true, containerPort: 8080), Pod("b", "10.42.0.1", true, containerPort: 9090), Pod("c", "10.42.0.3", true, containerPort: 8080)], out _);
        Assert.Equal(2, subsets.Count);
        var byPort = subsets.ToDictionary(s => s.Ports.Single().Port);
        Assert.Equal(["10.42.0.2", "10.42.0.3"], byPort[8080].Addresses.Select(a => a.Ip));
        Assert.Equal(["10.42.0.1"], byPort[9090].Addresses.Select(a => a.Ip));
        Assert.Equal("http", byPort[8080].Ports.Single().Name);
        Assert.Equal("a", byPort[8080].Addresses[0].TargetRef.Name);
        Assert.Equal("node-1", byPort[8080].Addresses[0].NodeName);
    }

    [Fact]
    public void Desired_NamedTargetPortMissingOnPod_LeavesPodOut()
    {
        var subsets = EndpointsController.Desired(Service(targetPort: "metrics"), [Pod("a", "10.42.0.1", true)], out _);
        Assert.Empty(subsets);
    }

    [Fact]
    public void Desired_HeadlessService_PublishesHostnameOfPodsInItsSubdomain()
    {
        var subsets = EndpointsController.Desired(Service(headless: true), [Pod("a", "10.42.0.1", true)], out _);
        Assert.Equal("a", subsets.Single().Addresses.Single().Hostname);
        Assert.Null(EndpointsController.Desired(Service(), [Pod("a", "10.42.0.1", true)], out _).Single().Addresses.Single().Hostname);
    }

    [Fact]
    public void Desired_OverCapacity_TruncatesTo1000()
    {
        var pods = Enumerable.Range(0, 1100).Select(i => Pod("p" + i, $"10.42.{i / 250}.{i % 250 + 1}", i % 2 == 0)).ToList();
        var subsets = EndpointsController.Desired(Service(), pods, out var truncated);
        Assert.True(truncated);
        Assert.Equal(550, subsets.Sum(s => s.Addresses.Count));
        Assert.Equal(450, subsets.Sum(s => s.NotReadyAddresses.Count));
    }

    [Fact]
    public async Task Sync_CreatesEndpoints_ThenUpdatesOnlyWhenSomethingChanged()
    {
        var svc = Service(headless: true);
        _services.Add(svc);
        _pods.Add(Pod("a", "10.42.0.1", true));
        await _controller.SyncAsync("ns/svc", CancellationToken.None);

        var ep = Assert.Single(_client.Objects);
        Assert.Equal("svc", ep.Metadata.Name);
        Assert.Equal("x", ep.Metadata.Labels["team"]);
        Assert.Equal("", ep.Metadata.Labels[EndpointsController.HeadlessLabel]);
        Assert.Equal("10.42.0.1", ep.Subsets.Single().Addresses.Single().Ip);
        Assert.Equal(8080, ep.Subsets.Single().Ports.Single().Port);

        _endpoints.Add(ep);
        await _controller.SyncAsync("ns/svc", CancellationToken.None);
        Assert.Equal(["create ns/svc"], _client.Calls);

        _pods.Add(Pod("b", "10.42.0.2", false));
        await _controller.SyncAsync("ns/svc", CancellationToken.None);
        Assert.Equal(["create ns/svc", "update ns/svc"], _client.Calls);
        Assert.Equal("10.42.0.2", _client.Objects.Single().Subsets.Single().NotReadyAddresses.Single().Ip);
    }

    [Fact]
    public async Task Sync_ServiceGone_DeletesEndpoints_SelectorlessServiceIsLeftAlone()
    {
        var ep = _client.Seed(new V1Endpoints { Metadata = new V1ObjectMeta { Name = "svc", NamespaceProperty = "ns" } });
        _endpoints.Add(ep);
        var manual = Service();
        manual.Spec.Selector = null;
        _services.Add(manual);
        await _controller.SyncAsync("ns/svc", CancellationToken.None);
        Assert.Empty(_client.Calls);

        _services.Delete(manual);
        await _controller.SyncAsync("ns/svc", CancellationToken.None);
        Assert.Equal(["delete ns/svc"], _client.Calls);
    }

    [Fact]
    public async Task EnqueueLeftovers_AtStart_RemovesEndpointsOfDeletedServices_ButNotLeaderRecords()
    {
        var orphan = _client.Seed(new V1Endpoints { Metadata = new V1ObjectMeta { Name = "gone", NamespaceProperty = "ns" } });
        var leader = _client.Seed(new V1Endpoints { Metadata = new V1ObjectMeta { Name = "lock", NamespaceProperty = "ns", Annotations = new Dictionary<string, string> { [EndpointsController.LeaderAnnotation] = "{}" } } });
        _endpoints.Add(orphan);
        _endpoints.Add(leader);
        _controller.EnqueueLeftovers();
        var keys = await Drain();
        Assert.Equal(["ns/gone"], keys);
        await _controller.SyncAsync(keys[0], CancellationToken.None);
        Assert.Equal(["delete ns/gone"], _client.Calls);
    }

    [Fact]
    public async Task PodEvents_EnqueueSelectingServices_OldAndNewOnLabelChange()
    {
        _services.Add(Service(name: "web"));
        var other = Service(name: "other");
        other.Spec.Selector = new Dictionary<string, string> { ["app"] = "other" };
        _services.Add(other);
        _controller.Sync = (_, _) => Task.CompletedTask;
        await Drain();

        var pod = Pod("a", "10.42.0.1", true);
        _pods.Add(pod);
        Assert.Equal(["ns/web"], await Drain());

        var relabelled = Pod("a", "10.42.0.1", true, app: "other");
        relabelled.Metadata.ResourceVersion = "2";
        _pods.Add(relabelled);
        Assert.Equal(["ns/other", "ns/web"], (await Drain()).Order());
    }

    private async Task<List<string>> Drain()
    {
        var keys = new List<string>();
        while (_controller.Queue.Length > 0)
        {
            var (key, _) = await _controller.Queue.GetAsync(CancellationToken.None);
            keys.Add(key);
            _controller.Queue.Done(key);
        }

        return keys;
    }
}
