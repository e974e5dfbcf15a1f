using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.EndpointSlice;
using Skiff.Controllers.Tests.Endpoint;

namespace Skiff.Controllers.Tests.EndpointSlice;

public sealed class EndpointSliceControllerTests
{
    private readonly FakeInformer<V1Service> _services = new();
    private readonly FakeInformer<V1Pod> _pods = new();
    private readonly FakeInformer<V1EndpointSlice> _slices = new();
    private readonly FakeInformer<V1Node> _nodes = new();
    private readonly FakeResourceClient<V1EndpointSlice> _client = new(ApiResource.EndpointSlices);
    private readonly EndpointSliceController _controller;

    public EndpointSliceControllerTests()
    {
        _controller = new EndpointSliceController(_services, _pods, _slices, _nodes, _client, new FakeTimeProvider(), NullLogger.Instance);
    }

    private static V1Service Service(bool publishNotReady = false, string targetPort = "8080")
    {
        var svc = EndpointsControllerTests.Service(publishNotReady: publishNotReady, targetPort: targetPort);
        svc.Spec.IpFamilies = ["IPv4"];
        return svc;
    }

    public static TheoryData<string, bool, bool, bool, bool, bool, bool> Conditions => new()
    {
        // case, pod ready, pod terminating, publishNotReadyAddresses => ready, serving, terminating
        { "ready", true, false, false, true, true, false },
        { "not ready", false, false, false, false, false, false },
        { "ready and terminating", true, true, false, false, true, true },
        { "not ready, terminating", false, true, false, false, false, true },
        { "not ready, publishNotReadyAddresses", false, false, true, true, true, false },
        { "terminating, publishNotReadyAddresses", true, true, true, true, true, true },
    };

    [Theory]
    [MemberData(nameof(Conditions))]
    public void Plan_EndpointConditions(string name, bool ready, bool terminating, bool publishNotReady, bool expectReady, bool expectServing, bool expectTerminating)
    {
        _ = name;
        var plan = EndpointSliceController.Plan(Service(publishNotReady), [EndpointsControllerTests.Pod("a", "10.42.0.1", ready, terminating: terminating)], []);
        var ep = Assert.Single(Assert.Single(plan.Create).Endpoints);
        Assert.Equal(expectReady, ep.Conditions.Ready);
        Assert.Equal(expectServing, ep.Conditions.Serving);
        Assert.Equal(expectTerminating, ep.Conditions.Terminating);
    }

    [Fact]
    public void Plan_NewSlice_HasLabelsOwnerPortsAndAddressType()
    {
        var svc = Service(targetPort: "web");
        var plan = EndpointSliceController.Plan(svc, [EndpointsControllerTests.Pod("a", "10.42.0.1", true, containerPort: 9090)], []);
        var slice = Assert.Single(plan.Create);
        Assert.Equal("svc-", slice.Metadata.GenerateName);
        Assert.Equal("svc", slice.Metadata.Labels[EndpointSliceController.ServiceNameLabel]);
        Assert.Equal("endpointslice-controller.k8s.io", slice.Metadata.Labels[EndpointSliceController.ManagedByLabel]);
        Assert.Equal("x", slice.Metadata.Labels["team"]);
        var owner = Assert.Single(slice.Metadata.OwnerReferences);
        Assert.Equal(("Service", "svc", "svc-uid", true), (owner.Kind, owner.Name, owner.Uid, owner.Controller == true));
        Assert.Equal("IPv4", slice.AddressType);
        Assert.Equal(("http", 9090, "TCP"), (slice.Ports.Single().Name, slice.Ports.Single().Port, slice.Ports.Single().Protocol));
        var ep = slice.Endpoints.Single();
        Assert.Equal(["10.42.0.1"], ep.Addresses);
        Assert.Equal(("Pod", "a", "node-1"), (ep.TargetRef.Kind, ep.TargetRef.Name, ep.NodeName));
    }

    [Fact]
    public void Plan_250Pods_ThreeSlicesOfAtMost100()
    {
        var pods = Enumerable.Range(0, 250).Select(i => EndpointsControllerTests.Pod("p" + i, $"10.42.{i / 200}.{i % 200 + 1}", true)).ToList();
        var plan = EndpointSliceController.Plan(Service(), pods, []);
        Assert.Equal([100, 100, 50], plan.Create.Select(s => s.Endpoints.Count));
        Assert.Equal(250, plan.Create.SelectMany(s => s.Endpoints).Select(e => e.TargetRef.Name).Distinct().Count());
    }

    [Fact]
    public void Plan_NoEndpoints_OnePlaceholder_AndExtraSlicesDeleted()
    {
        var plan = EndpointSliceController.Plan(Service(), [], []);
        var placeholder = Assert.Single(plan.Create);
        Assert.Empty(placeholder.Endpoints);
        Assert.Equal("IPv4", placeholder.AddressType);

        var full = EndpointSliceController.Plan(Service(), [EndpointsControllerTests.Pod("a", "10.42.0.1", true)], []).Create.Single();
        full.Metadata.Name = "svc-a";
        var again = EndpointSliceController.Plan(Service(), [], [full]);
        Assert.Empty(again.Create);
        Assert.Empty(again.Delete);
        Assert.Empty(Assert.Single(again.Update).Endpoints);
    }

    [Fact]
    public async Task Sync_IsIdempotent_AndAPodChangeRewritesOnlyItsSlice()
    {
        _services.Add(Service());
        for (var i = 0; i < 150; i++)
        {
            _pods.Add(EndpointsControllerTests.Pod("p" + i, $"10.42.0.{i + 1}", true));
        }

        await _controller.SyncAsync("ns/svc", CancellationToken.None);
        Assert.Equal(2, _client.Objects.Count);
        Assert.False(_controller.Expectations.Satisfied("ns/svc"));
        foreach (var s in _client.Objects)
        {
            _slices.Add(s);
        }

        Assert.True(_controller.Expectations.Satisfied("ns/svc"));
        var calls = _client.Calls.Count;
        await _controller.SyncAsync("ns/svc", CancellationToken.None);
        Assert.Equal(calls, _client.Calls.Count);

        // p0 goes unready: only the slice holding it is rewritten.
        var p0 = EndpointsControllerTests.Pod("p0", "10.42.0.1", false);
        p0.Metadata.ResourceVersion = "2";
        _pods.Add(p0);
        await _controller.SyncAsync("ns/svc", CancellationToken.None);
        var update = Assert.Single(_client.Calls.Skip(calls));
        Assert.StartsWith("update ns/svc-", update);
        var holder = _client.Objects.Single(s => s.Endpoints.Any(e => e.TargetRef.Name == "p0"));
        Assert.False(holder.Endpoints.Single(e => e.TargetRef.Name == "p0").Conditions.Ready);
        Assert.Equal(100, holder.Endpoints.Count);
    }

    [Fact]
    public async Task Sync_StaleCachedSlice_WaitsForItsOwnUpdateToArrive()
    {
        _services.Add(Service());
        var a = EndpointsControllerTests.Pod("a", "10.42.0.1", true);
        _pods.Add(a);
        await _controller.SyncAsync("ns/svc", CancellationToken.None);
        var created = _client.Objects.Single();
        _slices.Add(created);

        var unready = EndpointsControllerTests.Pod("a", "10.42.0.1", false);
        unready.Metadata.ResourceVersion = "2";
        _pods.Add(unready);
        await _controller.SyncAsync("ns/svc", CancellationToken.None);
        Assert.Equal(2, _client.Calls.Count);

        // The cache still holds the slice as created: syncing again now would only conflict, so it waits.
        _pods.Add(EndpointsControllerTests.Pod("b", "10.42.0.2", true));
        await _controller.SyncAsync("ns/svc", CancellationToken.None);
        Assert.Equal(2, _client.Calls.Count);

        _slices.Add(_client.Objects.Single());
        await _controller.SyncAsync("ns/svc", CancellationToken.None);
        Assert.Equal(3, _client.Calls.Count);
        Assert.Equal(2, _client.Objects.Single().Endpoints.Count);
    }

    [Fact]
    public async Task Sync_EndpointZone_FromTheNodesTopologyLabel()
    {
        _nodes.Add(new V1Node { Metadata = new V1ObjectMeta { Name = "node-1", Labels = new Dictionary<string, string> { [EndpointSliceController.ZoneLabel] = "zone-a" } } });
        _services.Add(Service());
        _pods.Add(EndpointsControllerTests.Pod("a", "10.42.0.1", true));
        await _controller.SyncAsync("ns/svc", CancellationToken.None);
        Assert.Equal("zone-a", _client.Objects.Single().Endpoints.Single().Zone);
    }

    [Fact]
    public async Task Sync_WaitsForItsCreatesToReachTheCache()
    {
        _services.Add(Service());
        _pods.Add(EndpointsControllerTests.Pod("a", "10.42.0.1", true));
        await _controller.SyncAsync("ns/svc", CancellationToken.None);
        await _controller.SyncAsync("ns/svc", CancellationToken.None);
        Assert.Single(_client.Objects);
    }

    [Fact]
    public async Task SliceEvents_EnqueueTheOwningServiceOnlyForManagedSlices()
    {
        _controller.Sync = (_, _) => Task.CompletedTask;
        _slices.Add(new V1EndpointSlice { Metadata = new V1ObjectMeta { Name = "mine", NamespaceProperty = "ns", Labels = new Dictionary<string, string> { [EndpointSliceController.ServiceNameLabel] = "svc", [EndpointSliceController.ManagedByLabel] = EndpointSliceController.ManagedBy } } });
        _slices.Add(new V1EndpointSlice { Metadata = new V1ObjectMeta { Name = "theirs", NamespaceProperty = "ns", Labels = new Dictionary<string, string> { [EndpointSliceController.ServiceNameLabel] = "other", [EndpointSliceController.ManagedByLabel] = "someone-else" } } });
        Assert.Equal(1, _controller.Queue.Length);
        var (key, _) = await _controller.Queue.GetAsync(CancellationToken.None);
        Assert.Equal("ns/svc", key);
    }
}
