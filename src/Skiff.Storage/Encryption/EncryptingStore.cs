namespace Skiff.Storage.Encryption;

/// <summary>
/// An <see cref="IStore"/> that keeps the values of covered keys encrypted in the backend (SQLite or etcd) and plain
/// for its callers: writes are encrypted on the way in, and every read path (get, range, watch events with their
/// previous values, the current value of a failed conditional write) decrypts on the way out. Revisions, keys and
/// the contract are the backend's.
/// </summary>
public sealed class EncryptingStore(IStore inner, ValueTransformer transformer) : IStore, IStoreHealth
{
    /// <summary>The store the encrypted values live in.</summary>
    public IStore Inner => inner;

    public ValueTask<long> GetCurrentRevisionAsync(CancellationToken cancellationToken = default) => inner.GetCurrentRevisionAsync(cancellationToken);

    public ValueTask<long> GetCompactRevisionAsync(CancellationToken cancellationToken = default) => inner.GetCompactRevisionAsync(cancellationToken);

    public async ValueTask<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        Open(await inner.GetAsync(key, cancellationToken).ConfigureAwait(false));

    public async ValueTask<RangeResult> RangeAsync(string prefix, long revision = 0, string? startAfterKey = null, int limit = 0, CancellationToken cancellationToken = default)
    {
        var result = await inner.RangeAsync(prefix, revision, startAfterKey, limit, cancellationToken).ConfigureAwait(false);
        return result with { Items = result.Items.Select(kv => Open(kv)!).ToArray() };
    }

    public ValueTask<long> CountAsync(string prefix, CancellationToken cancellationToken = default) => inner.CountAsync(prefix, cancellationToken);

    public async ValueTask<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default) =>
        Open(await inner.CreateAsync(key, transformer.ToStorage(key, value), cancellationToken).ConfigureAwait(false), value);

    public async ValueTask<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken = default) =>
        Open(await inner.UpdateAsync(key, transformer.ToStorage(key, value), expectedModRevision, cancellationToken).ConfigureAwait(false), value);

    public async ValueTask<WriteResult> DeleteAsync(string key, long expectedModRevision = 0, CancellationToken cancellationToken = default) =>
        Open(await inner.DeleteAsync(key, expectedModRevision, cancellationToken).ConfigureAwait(false), null);

    public async IAsyncEnumerable<StoreEvent> WatchAsync(string prefix, long afterRevision, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var e in inner.WatchAsync(prefix, afterRevision, cancellationToken).ConfigureAwait(false))
        {
            yield return e with { Kv = Open(e.Kv)!, PrevKv = Open(e.PrevKv) };
        }
    }

    public ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default) => inner.CompactAsync(revision, cancellationToken);

    public async ValueTask CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        if (inner is IStoreHealth health)
        {
            await health.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await inner.GetCurrentRevisionAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private KeyValue? Open(KeyValue? kv) =>
        kv is null || kv.Value.IsEmpty ? kv : kv with { Value = transformer.FromStorage(kv.Key, kv.Value) };

    /// <summary>A successful create or update returns what the caller wrote; anything else is decrypted from the store.</summary>
    private WriteResult Open(WriteResult result, ReadOnlyMemory<byte>? written) =>
        result.Succeeded && written is { } plain && result.Current is { } current
            ? result with { Current = current with { Value = plain } }
            : result with { Current = Open(result.Current) };
}
