using Skiff.Tests.Support;

namespace Skiff.Storage.Tests.Etcd;

/// <summary>One real etcd shared by every test of the <see cref="EtcdCollection"/>; tests separate their data by key prefix.</summary>
public sealed class EtcdFixture : IAsyncLifetime
{
    public EtcdProcess Etcd { get; private set; } = null!;

    public async Task InitializeAsync() => Etcd = await EtcdProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (Etcd is not null)
        {
            await Etcd.DisposeAsync();
        }
    }
}

/// <summary>
/// Tests on the shared etcd run one at a time: etcd's revision counter and compaction are global, and the contract
/// tests assert exact revisions relative to the start of each test.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EtcdCollection : ICollectionFixture<EtcdFixture>
{
    public const string Name = "etcd";
}
