using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Tests.Fakes;
using Publisher = Skiff.Controllers.RootCaPublisher.RootCaPublisher;

namespace Skiff.Controllers.Tests.RootCaPublisher;

public sealed class RootCaPublisherTests
{
    private const string Pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    private readonly FakeInformer<V1Namespace> _namespaces = new();
    private readonly FakeInformer<V1ConfigMap> _configMaps = new();
    private readonly FakeResourceClient<V1ConfigMap> _client = new(Publisher.ConfigMaps);
    private readonly Publisher _controller;

    public RootCaPublisherTests() =>
        _controller = new Publisher(_namespaces, _configMaps, _client, Pem, new FakeTimeProvider(), NullLogger.Instance);

    [Fact]
    public async Task Sync_NewNamespace_CreatesTheConfigMapWithTheCa()
    {
        _namespaces.Add(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team" }, Status = new V1NamespaceStatus { Phase = "Active" } });
        Assert.Equal(1, _controller.Queue.Length);
        await _controller.SyncAsync("team", CancellationToken.None);
        var cm = Assert.Single(_client.Objects);
        Assert.Equal("kube-root-ca.crt", cm.Metadata.Name);
        Assert.Equal("team", cm.Metadata.NamespaceProperty);
        Assert.Equal(Pem, cm.Data["ca.crt"]);
        Assert.StartsWith("Contains a CA bundle", cm.Metadata.Annotations["kubernetes.io/description"]);
    }

    [Fact]
    public async Task Sync_TerminatingNamespace_CreatesNothing()
    {
        _namespaces.Add(new V1Namespace { Metadata = new V1ObjectMeta { Name = "old", DeletionTimestamp = DateTime.UtcNow }, Status = new V1NamespaceStatus { Phase = "Terminating" } });
        await _controller.SyncAsync("old", CancellationToken.None);
        Assert.Empty(_client.Calls);
    }

    [Fact]
    public async Task Sync_EditedConfigMap_IsPutBack_AndAnUpToDateOneIsLeftAlone()
    {
        _namespaces.Add(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team" } });
        var edited = _client.Seed(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "kube-root-ca.crt", NamespaceProperty = "team", Labels = new Dictionary<string, string> { ["keep"] = "me" } }, Data = new Dictionary<string, string> { ["ca.crt"] = "junk" } });
        _configMaps.Add(edited);
        await _controller.SyncAsync("team", CancellationToken.None);
        var fixedUp = Assert.Single(_client.Objects);
        Assert.Equal(Pem, fixedUp.Data["ca.crt"]);
        Assert.Equal("me", fixedUp.Metadata.Labels["keep"]);

        _client.Calls.Clear();
        _configMaps.Add(fixedUp);
        await _controller.SyncAsync("team", CancellationToken.None);
        Assert.Empty(_client.Calls);
    }
}
