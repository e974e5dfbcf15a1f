using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.ServiceAccount;

namespace Skiff.Controllers.Tests.ServiceAccount;

public sealed class ServiceAccountControllerTests
{
    private readonly FakeInformer<V1Namespace> _namespaces = new();
    private readonly FakeInformer<V1ServiceAccount> _accounts = new();
    private readonly FakeResourceClient<V1ServiceAccount> _client = new(ApiResource.ServiceAccounts);
    private readonly ServiceAccountController _controller;

    public ServiceAccountControllerTests()
    {
        _controller = new ServiceAccountController(_namespaces, _accounts, _client, new FakeTimeProvider(), NullLogger.Instance);
    }

    [Theory]
    [InlineData("Active", false, true)]
    [InlineData("Terminating", true, false)]
    public async Task Sync_CreatesDefaultOnlyInActiveNamespaces(string phase, bool deleting, bool expectCreate)
    {
        _namespaces.Add(new V1Namespace { Metadata = new V1ObjectMeta { Name = "ns", DeletionTimestamp = deleting ? DateTime.UtcNow : null }, Status = new V1NamespaceStatus { Phase = phase } });
        Assert.Equal(1, _controller.Queue.Length);
        await _controller.SyncAsync("ns", CancellationToken.None);
        Assert.Equal(expectCreate, _client.Objects.Any(s => s.Metadata.Name == "default" && s.Metadata.NamespaceProperty == "ns"));
    }

    [Fact]
    public async Task Sync_ExistingDefault_CreatesNothing_AndDeletionEnqueuesTheNamespace()
    {
        _namespaces.Add(new V1Namespace { Metadata = new V1ObjectMeta { Name = "ns" } });
        var sa = new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "default", NamespaceProperty = "ns" } };
        _accounts.Add(sa);
        await _controller.SyncAsync("ns", CancellationToken.None);
        Assert.Empty(_client.Calls);

        var (key, _) = await _controller.Queue.GetAsync(CancellationToken.None);
        _controller.Queue.Done(key);
        _accounts.Delete(sa);
        Assert.Equal(1, _controller.Queue.Length);
    }
}
