using Skiff.Storage.Etcd;

namespace Skiff.Storage.Tests.Etcd;

/// <summary>The store contract against a real etcd started by the fixture; each test gets its own key prefix.</summary>
[Collection(EtcdCollection.Name)]
public sealed class EtcdStoreContractTests(EtcdFixture fixture) : StoreContractTests
{
    private readonly string _prefix = "/contract-" + Guid.NewGuid().ToString("N");

    protected override async Task<IStore> OpenStoreAsync() =>
        await EtcdStore.OpenAsync(
            new EtcdStoreOptions { Endpoints = [fixture.Etcd.ClientUrl], KeyPrefix = _prefix, CompactionInterval = TimeSpan.Zero },
            null);
}
