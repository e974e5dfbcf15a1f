using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.ServiceLb;

namespace Skiff.Controllers.Tests.ServiceLb;

public sealed class ServiceLbControllerTests
{
    private readonly FakeInformer<V1Service> _services = new();
    private readonly FakeInformer<V1Node> _nodes = new();
    private readonly FakeResourceClient<V1Service> _client = new(ApiResource.Services);
    private readonly ServiceLbController _controller;

    public ServiceLbControllerTests() =>
        _controller = new ServiceLbController(_services, _nodes, _client, null, new FakeTimeProvider(), NullLogger.Instance);

    private static V1Node Node(string name, string ip, bool ready = true, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels },
        Status = new V1NodeStatus
        {
            Addresses = [new V1NodeAddress { Type = "InternalIP", Address = ip }, new V1NodeAddress { Type = "Hostname", Address = name }],
            Conditions = [new V1NodeCondition { Type = "Ready", Status = ready ? "True" : "False" }],
        },
    };

    private V1Service Service(string name, string type = "LoadBalancer", int port = 80, string? lbClass = null, DateTime? created = null)
    {
        var svc = _client.Seed(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = "uid-" + name, CreationTimestamp = created ?? new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) },
            Spec = new V1ServiceSpec { Type = type, ClusterIP = "10.43.0.20", LoadBalancerClass = lbClass, Ports = [new V1ServicePort { Port = port, Protocol = "TCP" }] },
        });
        _services.Add(svc);
        return svc;
    }

    private V1Service Stored(string name) => _client.Objects.Single(s => s.Metadata.Name == name);

    [Fact]
    public async Task Sync_LoadBalancer_GetsTheReadyNodesInternalIPs_AsVipIngress()
    {
        _nodes.Add(Node("b", "192.0.2.11"));
        _nodes.Add(Node("a", "192.0.2.10"));
        _nodes.Add(Node("down", "192.0.2.12", ready: false));
        _nodes.Add(Node("excluded", "192.0.2.13", labels: new() { [ServiceLbController.ExcludeLabel] = "" }));
        _nodes.Add(Node("loopback", "127.0.0.1"));
        Service("web");
        await _controller.SyncAsync("default/web", CancellationToken.None);

        var ingress = Stored("web").Status.LoadBalancer.Ingress;
        Assert.Equal(["192.0.2.10", "192.0.2.11"], ingress.Select(i => i.Ip));
        Assert.All(ingress, i => Assert.Equal("VIP", i.IpMode));
        Assert.Equal(["status default/web"], _client.Calls);
    }

    [Fact]
    public async Task Sync_UpToDateStatus_WritesNothing()
    {
        _nodes.Add(Node("a", "192.0.2.10"));
        Service("web");
        await _controller.SyncAsync("default/web", CancellationToken.None);
        _services.Add(Stored("web"));
        _client.Calls.Clear();
        await _controller.SyncAsync("default/web", CancellationToken.None);
        Assert.Empty(_client.Calls);
    }

    [Fact]
    public async Task Sync_OtherLoadBalancerClass_IsLeftAlone()
    {
        _nodes.Add(Node("a", "192.0.2.10"));
        Service("web", lbClass: "example.com/other");
        await _controller.SyncAsync("default/web", CancellationToken.None);
        Assert.Empty(_client.Calls);
    }

    [Fact]
    public async Task Sync_NoLongerLoadBalancer_ClearsTheIngress()
    {
        _nodes.Add(Node("a", "192.0.2.10"));
        var svc = Service("web");
        await _controller.SyncAsync("default/web", CancellationToken.None);
        var changed = Stored("web");
        changed.Spec.Type = "ClusterIP";
        _client.Seed(changed);
        _services.Add(changed);
        await _controller.SyncAsync("default/web", CancellationToken.None);
        Assert.Null(Stored("web").Status.LoadBalancer.Ingress);
        Assert.NotNull(svc);
    }

    [Fact]
    public async Task Sync_NodeBecomesNotReady_RemovesItsAddress_AndNodeChangesEnqueueLoadBalancers()
    {
        _nodes.Add(Node("a", "192.0.2.10"));
        _nodes.Add(Node("b", "192.0.2.11"));
        Service("web");
        Service("plain", type: "ClusterIP");
        await _controller.SyncAsync("default/web", CancellationToken.None);
        _services.Add(Stored("web"));
        while (_controller.Queue.Length > 0)
        {
            var (key, _) = await _controller.Queue.GetAsync(CancellationToken.None);
            _controller.Queue.Done(key);
        }

        _nodes.Add(Node("b", "192.0.2.11", ready: false));
        Assert.Equal(1, _controller.Queue.Length);
        await _controller.SyncAsync("default/web", CancellationToken.None);
        Assert.Equal(["192.0.2.10"], Stored("web").Status.LoadBalancer.Ingress.Select(i => i.Ip));
    }

    [Fact]
    public async Task Sync_PortUsedByAnOlderLoadBalancer_StaysPending_UntilThatOneIsGone()
    {
        _nodes.Add(Node("a", "192.0.2.10"));
        var older = Service("first", created: new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        Service("second", created: new DateTime(2026, 1, 2, 0, 0, 0, DateTimeKind.Utc));
        Service("other-port", port: 8080, created: new DateTime(2026, 1, 3, 0, 0, 0, DateTimeKind.Utc));
        await _controller.SyncAsync("default/first", CancellationToken.None);
        await _controller.SyncAsync("default/second", CancellationToken.None);
        await _controller.SyncAsync("default/other-port", CancellationToken.None);
        Assert.NotNull(Stored("first").Status.LoadBalancer.Ingress);
        Assert.Null(Stored("second").Status?.LoadBalancer?.Ingress);
        Assert.NotNull(Stored("other-port").Status.LoadBalancer.Ingress);

        _services.Delete(older);
        await _controller.SyncAsync("default/second", CancellationToken.None);
        Assert.Equal("192.0.2.10", Assert.Single(Stored("second").Status.LoadBalancer.Ingress).Ip);
    }
}
