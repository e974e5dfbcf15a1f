using Skiff.Storage.Sqlite;

namespace Skiff.Storage.Tests.Sqlite;

/// <summary>The store contract against the embedded SQLite backend, one fresh database file per test.</summary>
public sealed class SqliteStoreContractTests : StoreContractTests
{
    private readonly TestDirectory _directory = new();

    protected override async Task<IStore> OpenStoreAsync() =>
        await SqliteStore.OpenAsync(new SqliteStoreOptions { DatabasePath = _directory.File("store.db"), CompactionInterval = TimeSpan.Zero }, null);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}
