using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Skiff.Storage.Sqlite;

/// <summary>
/// The embedded store: <see cref="IStore"/> on one SQLite file in WAL mode, with etcd v3 semantics as kine
/// provides them for k3s. Writes go through one writer with group commit (<see cref="SqliteWriter"/>); reads
/// run on a pool of read connections and never wait for the writer; watches replay history from the file and
/// then follow live events; a background compactor keeps the newest <see cref="SqliteStoreOptions.CompactionKeepRevisions"/>
/// revisions of history.
/// </summary>
/// <remarks>
/// <para>Durability: a write's task completes after its transaction committed with synchronous=NORMAL, meaning its
/// WAL frames were handed to the operating system; killing the process (kill -9) cannot lose it. Only an OS crash or
/// power loss can drop the newest commits, and the file stays consistent even then.</para>
/// <para>Cancellation of a write: a request whose token is cancelled before the writer picks it up is dropped and
/// its task is cancelled, so a cancelled write is known not to have happened. Once picked up, it completes
/// normally; the wait is at most one batch.</para>
/// <para>Compaction follows etcd: reads at the compact revision itself and watches after it still work;
/// anything older throws <see cref="CompactedException"/>. Compacting to a revision already compacted is a no-op.</para>
/// <para>A watch whose consumer falls <see cref="SqliteStoreOptions.WatchBufferSize"/> events behind ends with
/// <see cref="WatchOverflowException"/> after its buffered events; a watch still open when the store is disposed
/// ends with <see cref="ObjectDisposedException"/>.</para>
/// <para>Keys are ordered by Unicode code point (UTF-8 bytes), as in etcd.</para>
/// </remarks>
public sealed partial class SqliteStore : IStore
{
    private const int ReplayPageSize = 512;

    private readonly SqliteStoreOptions _options;
    private readonly ILogger _logger;
    private readonly string _path;
    private readonly FileStream _lockFile;
    private readonly StoreState _state;
    private readonly WatchHub _hub;
    private readonly ReadConnectionPool _readers;
    private readonly SqliteWriter _writer;
    private readonly PeriodicTimer? _compactionTimer;
    private readonly Task _compactionLoop;
    private int _disposed;

    private SqliteStore(SqliteStoreOptions options, ILogger logger, TimeProvider timeProvider, string path, FileStream lockFile, SqliteConnection writerConnection, StoreMeta meta)
    {
        _options = options;
        _logger = logger;
        _path = path;
        _lockFile = lockFile;
        _state = new StoreState(meta.Revision, meta.CompactRevision);
        _hub = new WatchHub(logger);
        _readers = new ReadConnectionPool(SqliteSchema.ConnectionString(path, options.BusyTimeout), options.BusyTimeout, options.MaxIdleReadConnections);
        _writer = new SqliteWriter(writerConnection, meta, _state, _hub, options, timeProvider, logger);
        if (options.PeriodicCompaction)
        {
            // Created here, not in the loop, so a test's fake clock can be advanced as soon as the store is open.
            _compactionTimer = new PeriodicTimer(options.CompactionInterval, timeProvider);
            _compactionLoop = RunCompactionLoopAsync(_compactionTimer);
        }
        else
        {
            _compactionLoop = Task.CompletedTask;
        }
    }

    /// <summary>Opens (creating when missing) the database at <see cref="SqliteStoreOptions.DatabasePath"/>.</summary>
    public static Task<SqliteStore> OpenAsync(SqliteStoreOptions options, ILogger? logger, CancellationToken cancellationToken = default) =>
        OpenAsync(options, logger, TimeProvider.System, cancellationToken);

    /// <summary>Opens the database with a given clock for periodic compaction (tests pass a fake one).</summary>
    public static Task<SqliteStore> OpenAsync(SqliteStoreOptions options, ILogger? logger, TimeProvider timeProvider, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        logger ??= NullLogger.Instance;

        var path = Path.GetFullPath(options.DatabasePath);
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        // Two stores on one file would hand out the same revisions. An exclusive lock file (flock on Linux) makes a
        // second open fail at once, and the kernel releases it when the process dies, even by kill -9.
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new SqliteStoreException($"database '{path}' is already open in another store or process (cannot lock '{path}.lock'): {ex.Message}", ex);
        }

        SqliteConnection? writerConnection = null;
        try
        {
            // Opening and recovering the file is synchronous in SQLite; it happens once at start-up.
            writerConnection = SqliteSchema.Open(SqliteSchema.ConnectionString(path, options.BusyTimeout), options.BusyTimeout, readOnly: false);
            var meta = SqliteSchema.Initialize(writerConnection, path);
            var store = new SqliteStore(options, logger, timeProvider, path, lockFile, writerConnection, meta);
            Log.Opened(logger, path, meta.Revision, meta.CompactRevision);
            return Task.FromResult(store);
        }
        catch (SqliteException ex)
        {
            writerConnection?.Dispose();
            lockFile.Dispose();
            throw new SqliteStoreException($"cannot open database '{path}': {ex.Message}", ex);
        }
        catch
        {
            writerConnection?.Dispose();
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Raised after a compaction has deleted the history up to the given revision (tests await it).</summary>
    internal event Action<long>? CompactionCompleted
    {
        add => _writer.CompactionCompleted += value;
        remove => _writer.CompactionCompleted -= value;
    }

    internal SqliteWriter Writer => _writer;

    internal int WatcherCount => _hub.Count;

    /// <inheritdoc/>
    public ValueTask<long> GetCurrentRevisionAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return ValueTask.FromResult(_state.Revision);
    }

    /// <inheritdoc/>
    public ValueTask<long> GetCompactRevisionAsync(CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return ValueTask.FromResult(_state.CompactRevision);
    }

    /// <inheritdoc/>
    public ValueTask<KeyValue?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        var connection = _readers.Rent();
        var broken = false;
        try
        {
            return ValueTask.FromResult(connection.Get(key));
        }
        catch (SqliteException ex)
        {
            broken = true;
            throw new SqliteStoreException($"reading key '{key}' failed: {ex.Message}", ex);
        }
        finally
        {
            _readers.Return(connection, broken);
        }
    }

    /// <inheritdoc/>
    public ValueTask<RangeResult> RangeAsync(string prefix, long revision = 0, string? startAfterKey = null, int limit = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var connection = _readers.Rent();
        var broken = false;
        try
        {
            return ValueTask.FromResult(connection.Range(KeyRange.ForPrefix(prefix), revision, startAfterKey, limit, cancellationToken));
        }
        catch (SqliteException ex)
        {
            broken = true;
            throw new SqliteStoreException($"listing prefix '{prefix}' at revision {revision} failed: {ex.Message}", ex);
        }
        finally
        {
            _readers.Return(connection, broken);
        }
    }

    /// <inheritdoc/>
    public ValueTask<long> CountAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ThrowIfDisposed();
        cancellationToken.ThrowIfCancellationRequested();
        var connection = _readers.Rent();
        var broken = false;
        try
        {
            return ValueTask.FromResult(connection.Count(KeyRange.ForPrefix(prefix)));
        }
        catch (SqliteException ex)
        {
            broken = true;
            throw new SqliteStoreException($"counting prefix '{prefix}' failed: {ex.Message}", ex);
        }
        finally
        {
            _readers.Return(connection, broken);
        }
    }

    /// <inheritdoc/>
    public ValueTask<WriteResult> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        return _writer.EnqueueAsync(WriteOpKind.Create, key, value.ToArray(), 0, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<WriteResult> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(expectedModRevision);
        return _writer.EnqueueAsync(WriteOpKind.Update, key, value.ToArray(), expectedModRevision, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask<WriteResult> DeleteAsync(string key, long expectedModRevision = 0, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ArgumentOutOfRangeException.ThrowIfNegative(expectedModRevision);
        return _writer.EnqueueAsync(WriteOpKind.Delete, key, null, expectedModRevision, cancellationToken);
    }

    /// <inheritdoc/>
    public ValueTask CompactAsync(long revision, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(revision);
        ThrowIfDisposed();
        return _writer.CompactAsync(revision, cancellationToken);
    }

    /// <inheritdoc/>
    public IAsyncEnumerable<StoreEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfNegative(afterRevision);
        return WatchCoreAsync(prefix, afterRevision, cancellationToken);
    }

    /// <summary>Counts the rows of history (live values, superseded values and tombstones), for tests.</summary>
    internal long CountHistoryRows()
    {
        var connection = _readers.Rent();
        try
        {
            return connection.CountHistoryRows();
        }
        finally
        {
            _readers.Return(connection);
        }
    }

    /// <summary>Commits queued writes, stops compaction, ends watches and closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _compactionTimer?.Dispose();

        // Readers close first so the writer's connection is the last one: SQLite checkpoints the WAL into the
        // database when its last connection closes. Reads after this point fail with ObjectDisposedException.
        _readers.Dispose();
        await _writer.DisposeAsync().ConfigureAwait(false);
        await _compactionLoop.ConfigureAwait(false);
        _hub.Close(new ObjectDisposedException(nameof(SqliteStore), "the store was disposed while the watch was open"));
        await _lockFile.DisposeAsync().ConfigureAwait(false);
        Log.Closed(_logger, _path, _state.Revision);
    }

    private async IAsyncEnumerable<StoreEvent> WatchCoreAsync(string prefix, long afterRevision, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        var range = KeyRange.ForPrefix(prefix);

        // Subscribe before reading history: every event committed after the first replay snapshot is then certain
        // to arrive live, and events in both (committed before the snapshot, published after subscribing) are
        // dropped by revision below. No gap, no duplicate.
        using var subscription = _hub.Subscribe(prefix, _options.WatchBufferSize);
        var delivered = afterRevision;
        var scanned = afterRevision;
        long end = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = ReadEvents(range, scanned, end);

            // Replay up to the first snapshot's revision only; later revisions come from the subscription, so a
            // busy writer cannot keep the replay going forever.
            if (end == 0)
            {
                end = Math.Max(page.SnapshotRevision, afterRevision);
            }

            foreach (var e in page.Events)
            {
                delivered = e.Revision;
                yield return e;
            }

            scanned = page.ScannedThrough;
            if (page.Exhausted)
            {
                break;
            }
        }

        delivered = Math.Max(delivered, end);
        var reader = subscription.Reader;
        while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (reader.TryRead(out var e))
            {
                if (e.Revision <= delivered)
                {
                    continue;
                }

                delivered = e.Revision;
                yield return e;
            }
        }

        // The hub completes subscriptions only with an error (overflow, disposal), which WaitToReadAsync throws.
        throw new InvalidOperationException($"watch on prefix '{prefix}' ended unexpectedly after revision {delivered}");
    }

    private EventPage ReadEvents(KeyRange range, long after, long end)
    {
        var connection = _readers.Rent();
        var broken = false;
        try
        {
            return connection.ReadEvents(range, after, end, ReplayPageSize);
        }
        catch (SqliteException ex)
        {
            broken = true;
            throw new SqliteStoreException($"replaying history of prefix '{range.Prefix}' after revision {after} failed: {ex.Message}", ex);
        }
        finally
        {
            _readers.Return(connection, broken);
        }
    }

    private async Task RunCompactionLoopAsync(PeriodicTimer timer)
    {
        // Like kube-apiserver's compactor: every interval, drop history older than the newest N revisions.
        while (await timer.WaitForNextTickAsync().ConfigureAwait(false))
        {
            var target = _state.Revision - _options.CompactionKeepRevisions;
            if (target <= _state.CompactRevision)
            {
                continue;
            }

            try
            {
                await _writer.CompactAsync(target, CancellationToken.None).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (Exception ex)
            {
                Log.PeriodicCompactionFailed(_logger, target, ex);
            }
        }
    }

    private void ValidateKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ThrowIfDisposed();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
