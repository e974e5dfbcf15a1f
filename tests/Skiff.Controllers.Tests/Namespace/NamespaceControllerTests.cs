using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.Common;
using Skiff.Controllers.Namespace;

namespace Skiff.Controllers.Tests.Namespace;

public sealed class NamespaceControllerTests
{
    private readonly FakeInformer<V1Namespace> _namespaces = new();
    private readonly FakeResourceClient<V1Namespace> _nsClient = new(ApiResource.Namespaces);
    private readonly FakeResourceClient<ObjectMetadata> _configMaps = new(new ApiResource("", "v1", "configmaps", "ConfigMap", true));
    private readonly NamespaceController _controller;

    public NamespaceControllerTests()
    {
        _controller = new NamespaceController(_namespaces, _nsClient, _ => Task.FromResult<IReadOnlyList<ApiResource>>([_configMaps.Resource]), _ => _configMaps, new FakeTimeProvider(), NullLogger.Instance);
    }

    private void Namespace(bool terminating)
    {
        var ns = _nsClient.Seed(new V1Namespace
        {
            Metadata = new V1ObjectMeta { Name = "doomed", DeletionTimestamp = terminating ? DateTime.UtcNow : null },
            Spec = new V1NamespaceSpec { Finalizers = ["kubernetes"] },
            Status = new V1NamespaceStatus { Phase = terminating ? "Terminating" : "Active" },
        });
        _namespaces.Add(ns);
    }

    [Fact]
    public async Task ActiveNamespace_IsLeftAlone()
    {
        Namespace(terminating: false);
        _configMaps.Seed(new ObjectMetadata { Metadata = new V1ObjectMeta { Name = "cm", NamespaceProperty = "doomed" } });
        await _controller.SyncAsync("doomed", CancellationToken.None);
        Assert.Empty(_configMaps.Calls);
        Assert.Empty(_nsClient.Calls);
    }

    [Fact]
    public async Task TerminatingNamespace_WithContent_DeletesIt_SetsConditions_AndRechecks()
    {
        Namespace(terminating: true);
        _configMaps.Seed(new ObjectMetadata { Metadata = new V1ObjectMeta { Name = "cm", NamespaceProperty = "doomed" } });
        var requeue = await Assert.ThrowsAsync<RequeueAfterException>(() => _controller.SyncAsync("doomed", CancellationToken.None));
        Assert.Equal(TimeSpan.FromSeconds(1), requeue.Delay);
        Assert.Contains("delete doomed/cm", _configMaps.Calls);
        var conditions = _nsClient.Objects.Single().Status.Conditions;
        Assert.Equal("True", conditions.Single(c => c.Type == "NamespaceContentRemaining").Status);
        Assert.DoesNotContain(_nsClient.Calls, c => c.StartsWith("finalize", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TerminatingNamespace_Empty_IsFinalized()
    {
        Namespace(terminating: true);
        await _controller.SyncAsync("doomed", CancellationToken.None);
        Assert.Contains("finalize doomed", _nsClient.Calls);
        Assert.True(_nsClient.Objects.Single().Spec.Finalizers is null or { Count: 0 });
    }
}
