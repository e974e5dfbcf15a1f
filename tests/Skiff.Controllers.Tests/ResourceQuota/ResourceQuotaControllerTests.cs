using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.ResourceQuota;

namespace Skiff.Controllers.Tests.ResourceQuota;

public sealed class ResourceQuotaControllerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeInformer<V1ResourceQuota> _quotas = new();
    private readonly FakeInformer<V1Pod> _pods = new();
    private readonly FakeInformer<V1Service> _services = new();
    private readonly FakeInformer<V1PersistentVolumeClaim> _claims = new();
    private readonly FakeInformer<V1ConfigMap> _configMaps = new();
    private readonly FakeInformer<V1Secret> _secrets = new();
    private readonly FakeResourceClient<V1ResourceQuota> _client = new(new ApiResource("", "v1", "resourcequotas", "ResourceQuota", true));
    private readonly List<string> _counted = [];
    private readonly ResourceQuotaController _controller;

    public ResourceQuotaControllerTests()
    {
        _controller = new ResourceQuotaController(_quotas, _pods, _services, _claims, _configMaps, _secrets, _client,
            (group, plural, ns, _) =>
            {
                _counted.Add($"{group}/{plural} in {ns}");
                return Task.FromResult<int?>(plural == "deployments" ? 3 : null);
            },
            TimeSpan.FromMinutes(5), _time, NullLogger.Instance);
    }

    private V1ResourceQuota Quota(Dictionary<string, string> hard, List<string>? scopes = null)
    {
        var quota = _client.Seed(new V1ResourceQuota
        {
            Metadata = new V1ObjectMeta { Name = "q", NamespaceProperty = "ns" },
            Spec = new V1ResourceQuotaSpec { Hard = hard.ToDictionary(kv => kv.Key, kv => new ResourceQuantity(kv.Value)), Scopes = scopes },
        });
        _quotas.Add(quota);
        return quota;
    }

    private void Pod(string name, string cpu, string phase = "Running", string ns = "ns") => _pods.Add(new V1Pod
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu) } } }] },
        Status = new V1PodStatus { Phase = phase },
    });

    private Dictionary<string, string> Used() => _client.Objects.Single().Status.Used.ToDictionary(kv => kv.Key, kv => kv.Value.ToString());

    [Fact]
    public async Task Sync_PublishesHardAndCountsLiveObjects()
    {
        Pod("a", "250m");
        Pod("b", "500m");
        Pod("done", "4", phase: "Succeeded");
        Pod("elsewhere", "1", ns: "other");
        _configMaps.Add(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "cm", NamespaceProperty = "ns" } });
        Quota(new() { ["pods"] = "10", ["requests.cpu"] = "2", ["configmaps"] = "5", ["services"] = "3", ["count/deployments.apps"] = "4" });

        await _controller.SyncAsync("ns/q", CancellationToken.None);
        var status = _client.Objects.Single().Status;
        Assert.Equal("10", status.Hard["pods"].ToString());
        Assert.Equal(new Dictionary<string, string>
        {
            ["pods"] = "2", ["requests.cpu"] = "750m", ["configmaps"] = "1", ["services"] = "0", ["count/deployments.apps"] = "3",
        }, Used());
        Assert.Equal(["apps/deployments in ns"], _counted);
    }

    [Fact]
    public async Task Sync_ScopedQuota_CountsOnlyMatchingPods()
    {
        Pod("burstable", "100m");
        _pods.Add(new V1Pod { Metadata = new V1ObjectMeta { Name = "besteffort", NamespaceProperty = "ns" }, Spec = new V1PodSpec { Containers = [new V1Container { Name = "c" }] }, Status = new V1PodStatus { Phase = "Running" } });
        Quota(new() { ["pods"] = "5" }, ["BestEffort"]);

        await _controller.SyncAsync("ns/q", CancellationToken.None);
        Assert.Equal("1", Used()["pods"]);
    }

    [Fact]
    public async Task Sync_NothingChanged_WritesNothing()
    {
        Pod("a", "1");
        Quota(new() { ["pods"] = "5" });
        await _controller.SyncAsync("ns/q", CancellationToken.None);
        _quotas.Add(_client.Objects.Single());
        var writes = _client.Calls.Count;

        await _controller.SyncAsync("ns/q", CancellationToken.None);
        Assert.Equal(writes, _client.Calls.Count);
    }

    [Fact]
    public async Task Events_DeletesAndFinishedPodsRecount_CreatesAndStatusWritesDoNot()
    {
        var quota = Quota(new() { ["pods"] = "5" });
        await Drain();

        Pod("a", "1");
        Assert.Equal(0, _controller.Queue.Length);

        var charged = _client.Seed(new V1ResourceQuota { Metadata = quota.Metadata, Spec = quota.Spec, Status = new V1ResourceQuotaStatus { Hard = quota.Spec.Hard, Used = new Dictionary<string, ResourceQuantity> { ["pods"] = new("1") } } });
        _quotas.Add(charged);
        Assert.Equal(0, _controller.Queue.Length);

        Pod("a", "1", phase: "Failed");
        Assert.Equal(1, _controller.Queue.Length);
        await Drain();

        _pods.Delete(_pods.Indexer.Get("ns/a")!);
        Assert.Equal(1, _controller.Queue.Length);
    }

    private async Task Drain()
    {
        while (_controller.Queue.Length > 0)
        {
            var (key, _) = await _controller.Queue.GetAsync(CancellationToken.None);
            _controller.Queue.Done(key);
        }
    }

    [Theory]
    [InlineData("count/deployments.apps", "apps", "deployments")]
    [InlineData("count/pods", "", "pods")]
    [InlineData("resourcequotas", "", "resourcequotas")]
    public void CountedResource_ParsesGroupQualifiedNames(string name, string group, string plural) =>
        Assert.Equal((group, plural), ResourceQuotaController.CountedResource(name));
}
