using System.Security.Cryptography;
using Skiff.Storage.Encryption;
using Skiff.Storage.Etcd;
using Skiff.Storage.Sqlite;
using Skiff.Storage.Tests.Etcd;

namespace Skiff.Storage.Tests.Encryption;

/// <summary>The store contract holds through the encrypting decorator with every key encrypted (SQLite backend); reopening uses the same key.</summary>
public sealed class EncryptingSqliteStoreContractTests : StoreContractTests
{
    private readonly TestDirectory _directory = new();
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    protected override async Task<IStore> OpenStoreAsync() => new EncryptingStore(
        await SqliteStore.OpenAsync(new SqliteStoreOptions { DatabasePath = _directory.File("store.db"), CompactionInterval = TimeSpan.Zero }, null),
        new ValueTransformer([EncryptionRule.ForKeyPrefixes(["/"], [new AesGcmProvider("k", _key)])]));

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Dispose();
    }
}

/// <summary>The store contract holds through the encrypting decorator with every key encrypted (etcd backend).</summary>
[Collection(EtcdCollection.Name)]
public sealed class EncryptingEtcdStoreContractTests(EtcdFixture fixture) : StoreContractTests
{
    private readonly string _prefix = "/enc-contract-" + Guid.NewGuid().ToString("N");
    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    protected override async Task<IStore> OpenStoreAsync() => new EncryptingStore(
        await EtcdStore.OpenAsync(new EtcdStoreOptions { Endpoints = [fixture.Etcd.ClientUrl], KeyPrefix = _prefix, CompactionInterval = TimeSpan.Zero }, null),
        new ValueTransformer([EncryptionRule.ForKeyPrefixes(["/"], [new AesGcmProvider("k", _key)])]));
}
