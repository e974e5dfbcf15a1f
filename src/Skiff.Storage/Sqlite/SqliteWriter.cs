using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Skiff.Storage.Sqlite;

/// <summary>
/// The only code that writes the database. Requests queue in a channel; one loop drains everything pending
/// into one transaction (group commit: one WAL append for many writes), evaluates each request's condition in
/// queue order against the database as modified by the requests before it in the same transaction, gives
/// successful writes consecutive revisions, commits, then publishes the revision, the events and the results.
/// A failed condition writes nothing and takes no revision. Compaction runs on the same loop, a chunk at a
/// time between batches, so there is never a second writer waiting on SQLite's lock.
/// </summary>
internal sealed partial class SqliteWriter : IAsyncDisposable
{
    private readonly SqliteConnection _connection;
    private readonly StoreState _state;
    private readonly WatchHub _hub;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _maxBatchSize;
    private readonly long _compactionChunk;
    private readonly Channel<WriteOp> _queue = Channel.CreateUnbounded<WriteOp>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SqliteCommand _lookup;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _setCurrent;
    private readonly SqliteCommand _deleteCurrent;
    private readonly SqliteCommand _setRevision;
    private readonly SqliteCommand _deleteSuperseded;
    private readonly SqliteCommand _deleteTombstones;
    private readonly SqliteCommand _setCompaction;
    private readonly SqliteCommand[] _commands;
    private readonly List<StoreEvent> _events = [];
    private readonly Task _loop;

    // Owned by the loop.
    private long _revision;
    private long _compactScanned;
    private CompactionJob? _job;

    private TaskCompletionSource? _gate;
    private volatile Exception? _fault;
    private volatile bool _stopping;
    private long _batches;
    private long _writes;

    public SqliteWriter(SqliteConnection connection, StoreMeta meta, StoreState state, WatchHub hub, SqliteStoreOptions options, TimeProvider time, ILogger logger)
    {
        _connection = connection;
        _state = state;
        _hub = hub;
        _time = time;
        _logger = logger;
        _maxBatchSize = options.MaxBatchSize;
        _compactionChunk = options.CompactionChunkRevisions;
        _revision = meta.Revision;
        _compactScanned = meta.CompactScanned;

        _lookup = Prepare("SELECT l.rev, l.create_rev, l.value FROM kv_current AS c JOIN kv_log AS l ON l.rev = c.rev WHERE c.key = @key", "@key");
        _insert = Prepare("INSERT INTO kv_log (rev, key, create_rev, prev_rev, deleted, value) VALUES (@rev, @key, @create, @prev, @deleted, @value)", "@rev", "@key", "@create", "@prev", "@deleted", "@value");
        _setCurrent = Prepare("INSERT INTO kv_current (key, rev) VALUES (@key, @rev) ON CONFLICT (key) DO UPDATE SET rev = excluded.rev", "@key", "@rev");
        _deleteCurrent = Prepare("DELETE FROM kv_current WHERE key = @key", "@key");
        _setRevision = Prepare("UPDATE meta SET rev = @rev WHERE id = 1", "@rev");

        // Every write that replaced a live value names it in prev_rev, so the rows superseded by writes in
        // (from, to] are exactly those prev_revs; with the tombstones in (from, to] that is everything compaction
        // removes there. Rows superseded only after the target stay: they are some later event's previous value.
        _deleteSuperseded = Prepare("DELETE FROM kv_log WHERE rev IN (SELECT prev_rev FROM kv_log WHERE rev > @from AND rev <= @to AND prev_rev > 0)", "@from", "@to");
        _deleteTombstones = Prepare("DELETE FROM kv_log WHERE rev > @from AND rev <= @to AND deleted = 1", "@from", "@to");
        _setCompaction = Prepare("UPDATE meta SET compact_rev = @compact, compact_scanned = @scanned WHERE id = 1", "@compact", "@scanned");
        _commands = [_lookup, _insert, _setCurrent, _deleteCurrent, _setRevision, _deleteSuperseded, _deleteTombstones, _setCompaction];

        if (meta.CompactScanned < meta.CompactRevision)
        {
            // The process stopped in the middle of a compaction: finish deleting what the recorded target covers.
            _job = new CompactionJob(meta.CompactRevision, meta.CompactScanned) { TargetRecorded = true, StartTimestamp = time.GetTimestamp() };
        }

        _loop = Task.Run(RunAsync);
    }

    /// <summary>Raised on the writer after a compaction has deleted everything up to the given revision.</summary>
    public event Action<long>? CompactionCompleted;

    /// <summary>Transactions committed with at least one write.</summary>
    public long CommittedBatches => Interlocked.Read(ref _batches);

    /// <summary>Successful writes committed.</summary>
    public long CommittedWrites => Interlocked.Read(ref _writes);

    public ValueTask<WriteResult> EnqueueAsync(WriteOpKind kind, string key, byte[]? value, long revision, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<WriteResult>(cancellationToken);
        }

        var op = new WriteOp(kind, key, value, revision, cancellationToken);
        return _queue.Writer.TryWrite(op)
            ? new ValueTask<WriteResult>(op.Completion.Task)
            : ValueTask.FromException<WriteResult>(Closed());
    }

    /// <summary>Queues a compaction to <paramref name="revision"/> and waits until its history is deleted.</summary>
    public async ValueTask CompactAsync(long revision, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var op = new WriteOp(WriteOpKind.Compact, string.Empty, null, revision, CancellationToken.None);
        if (!_queue.Writer.TryWrite(op))
        {
            throw Closed();
        }

        // Compaction goes on if the caller stops waiting; it only shortens history.
        await op.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Holds the loop before its next batch, so tests can queue several requests into one transaction.</summary>
    internal void Pause() => Volatile.Write(ref _gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    internal void Resume() => Interlocked.Exchange(ref _gate, null)?.TrySetResult();

    /// <summary>Stops taking requests, commits those already queued, abandons a running compaction (it resumes at the next open) and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        _stopping = true;
        _queue.Writer.TryComplete();
        Resume();
        await _loop.ConfigureAwait(false);
        _connection.Dispose();
    }

    private Exception Closed() => _fault is { } fault
        ? new SqliteStoreException($"the store's writer stopped after an unexpected error: {fault.Message}", fault)
        : new ObjectDisposedException(nameof(SqliteStore), "the store has been disposed");

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<WriteOp>();
        try
        {
            while (true)
            {
                // With compaction pending, do not wait for writes: run a chunk, then look for writes again.
                if (_job is null && !await reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    break;
                }

                if (Volatile.Read(ref _gate) is { } gate)
                {
                    await gate.Task.ConfigureAwait(false);
                }

                while (batch.Count < _maxBatchSize && reader.TryRead(out var op))
                {
                    if (op.Kind == WriteOpKind.Compact)
                    {
                        // Writes queued before the compaction request commit first, so its target is checked
                        // against the revision they produce.
                        Flush(batch);
                        BeginCompaction(op);
                    }
                    else
                    {
                        batch.Add(op);
                    }
                }

                Flush(batch);
                if (_job is not null)
                {
                    if (_stopping)
                    {
                        AbandonCompaction();
                    }
                    else
                    {
                        RunCompactionChunk();
                    }
                }
            }
        }
        catch (Exception ex)
        {
            // Flush and the compaction step handle SQLite errors themselves; getting here is a bug. Fail loudly
            // rather than leave callers waiting on a loop that is gone.
            Log.WriterFailed(_logger, ex);
            _fault = ex;
            _queue.Writer.TryComplete(ex);
            var error = Closed();
            foreach (var op in batch)
            {
                op.Completion.TrySetException(error);
            }

            while (reader.TryRead(out var op))
            {
                op.Completion.TrySetException(error);
            }

            if (_job is not null)
            {
                foreach (var waiter in _job.Waiters)
                {
                    waiter.Completion.TrySetException(error);
                }

                _job = null;
            }
        }
    }

    private void Flush(List<WriteOp> batch)
    {
        if (batch.Count == 0)
        {
            return;
        }

        // A request cancelled before it was written is dropped, so a cancelled write is known not to have happened.
        batch.RemoveAll(static op => op.CancellationToken.IsCancellationRequested && op.Completion.TrySetCanceled(op.CancellationToken));
        try
        {
            Commit(batch);
        }
        catch (Exception ex) when (batch.Count > 1)
        {
            // One request's failure must not fail its batch-mates: retry each on its own, so only the
            // request(s) that really cannot be written get the error.
            Log.BatchFailed(_logger, batch.Count, ex);
            var single = new List<WriteOp>(1);
            foreach (var op in batch)
            {
                single.Clear();
                single.Add(op);
                try
                {
                    Commit(single);
                }
                catch (Exception opError)
                {
                    op.Completion.TrySetException(WriteFailed(op, opError));
                }
            }
        }
        catch (Exception ex) when (batch.Count == 1)
        {
            batch[0].Completion.TrySetException(WriteFailed(batch[0], ex));
        }
        finally
        {
            batch.Clear();
        }
    }

    private static SqliteStoreException WriteFailed(WriteOp op, Exception ex) =>
        new($"{op.Kind.ToString().ToLowerInvariant()} of key '{op.Key}' failed: {ex.Message}", ex);

    /// <summary>Applies the requests in one transaction and completes them; throws, completing none, if the transaction fails.</summary>
    private void Commit(List<WriteOp> ops)
    {
        if (ops.Count == 0)
        {
            return;
        }

        var revision = _revision;
        _events.Clear();
        using (var transaction = _connection.BeginTransaction())
        {
            Enlist(transaction);
            foreach (var op in ops)
            {
                op.Result = Apply(op, ref revision);
            }

            if (revision != _revision)
            {
                _setRevision.Parameters[0].Value = revision;
                _setRevision.ExecuteNonQuery();
            }

            transaction.Commit();
        }

        // Order matters: the revision becomes readable, then watchers hear of it, then callers get their results.
        var written = revision - _revision;
        _revision = revision;
        if (written > 0)
        {
            _state.PublishRevision(revision);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _writes, written);
            _hub.Publish(_events);
        }

        foreach (var op in ops)
        {
            op.Completion.TrySetResult(op.Result);
        }
    }

    private WriteResult Apply(WriteOp op, ref long revision)
    {
        var current = Lookup(op.Key);
        switch (op.Kind)
        {
            case WriteOpKind.Create:
            {
                if (current is not null)
                {
                    return new WriteResult(false, revision, current);
                }

                revision++;
                Insert(revision, op.Key, revision, 0, deleted: false, op.Value);
                SetCurrent(op.Key, revision);
                var created = new KeyValue(op.Key, op.Value, revision, revision);
                _events.Add(new StoreEvent(StoreEventType.Put, created, null));
                return new WriteResult(true, revision, created);
            }

            case WriteOpKind.Update:
            {
                if (current is null || current.ModRevision != op.Revision)
                {
                    return new WriteResult(false, revision, current);
                }

                revision++;
                Insert(revision, op.Key, current.CreateRevision, current.ModRevision, deleted: false, op.Value);
                SetCurrent(op.Key, revision);
                var updated = new KeyValue(op.Key, op.Value, current.CreateRevision, revision);
                _events.Add(new StoreEvent(StoreEventType.Put, updated, current));
                return new WriteResult(true, revision, updated);
            }

            case WriteOpKind.Delete:
            {
                if (current is null || (op.Revision != 0 && current.ModRevision != op.Revision))
                {
                    return new WriteResult(false, revision, current);
                }

                revision++;
                Insert(revision, op.Key, current.CreateRevision, current.ModRevision, deleted: true, null);
                _deleteCurrent.Parameters[0].Value = op.Key;
                _deleteCurrent.ExecuteNonQuery();
                _events.Add(new StoreEvent(StoreEventType.Delete, current with { ModRevision = revision }, current));
                return new WriteResult(true, revision, current);
            }

            default:
                throw new InvalidOperationException($"unexpected request kind {op.Kind} for key '{op.Key}'");
        }
    }

    private KeyValue? Lookup(string key)
    {
        _lookup.Parameters[0].Value = key;
        using var reader = _lookup.ExecuteReader();
        return reader.Read() ? new KeyValue(key, ReadConnection.ReadBlob(reader, 2), reader.GetInt64(1), reader.GetInt64(0)) : null;
    }

    private void Insert(long revision, string key, long createRevision, long previousRevision, bool deleted, byte[]? value)
    {
        var parameters = _insert.Parameters;
        parameters[0].Value = revision;
        parameters[1].Value = key;
        parameters[2].Value = createRevision;
        parameters[3].Value = previousRevision;
        parameters[4].Value = deleted ? 1 : 0;
        parameters[5].Value = (object?)value ?? DBNull.Value;
        _insert.ExecuteNonQuery();
    }

    private void SetCurrent(string key, long revision)
    {
        _setCurrent.Parameters[0].Value = key;
        _setCurrent.Parameters[1].Value = revision;
        _setCurrent.ExecuteNonQuery();
    }

    private void BeginCompaction(WriteOp op)
    {
        var target = op.Revision;
        if (target > _revision)
        {
            op.Completion.TrySetException(new FutureRevisionException(target, _revision));
            return;
        }

        if (_job is not null)
        {
            if (target > _job.Target)
            {
                _job.Target = target;
                _job.TargetRecorded = false;
            }

            _job.Waiters.Add(op);
            return;
        }

        if (target <= _state.CompactRevision)
        {
            // Already compacted that far: compaction is idempotent.
            op.Completion.TrySetResult(default);
            return;
        }

        _job = new CompactionJob(target, _compactScanned) { StartTimestamp = _time.GetTimestamp() };
        _job.Waiters.Add(op);
    }

    private void RunCompactionChunk()
    {
        var job = _job!;
        var from = job.Scanned;
        var to = Math.Min(job.Target, from + _compactionChunk);
        int deleted;
        try
        {
            using var transaction = _connection.BeginTransaction();
            Enlist(transaction);

            // The compact revision is recorded with the first chunk, before any row goes: from then on reads
            // below it fail, and rows are only removed where no permitted read could see them.
            _setCompaction.Parameters[0].Value = job.Target;
            _setCompaction.Parameters[1].Value = to;
            _setCompaction.ExecuteNonQuery();
            _deleteSuperseded.Parameters[0].Value = from;
            _deleteSuperseded.Parameters[1].Value = to;
            deleted = _deleteSuperseded.ExecuteNonQuery();
            _deleteTombstones.Parameters[0].Value = from;
            _deleteTombstones.Parameters[1].Value = to;
            deleted += _deleteTombstones.ExecuteNonQuery();
            transaction.Commit();
        }
        catch (Exception ex)
        {
            // What was committed stays valid; the next compaction continues from the last recorded chunk.
            _job = null;
            Log.CompactionFailed(_logger, job.Target, ex);
            var error = new SqliteStoreException($"compaction to revision {job.Target} failed: {ex.Message}", ex);
            foreach (var waiter in job.Waiters)
            {
                waiter.Completion.TrySetException(error);
            }

            return;
        }

        job.Scanned = to;
        job.RowsDeleted += deleted;
        _compactScanned = to;
        if (!job.TargetRecorded)
        {
            job.TargetRecorded = true;
            _state.PublishCompactRevision(job.Target);
        }

        if (to < job.Target)
        {
            return;
        }

        _job = null;
        Log.Compacted(_logger, job.Target, job.RowsDeleted, (long)_time.GetElapsedTime(job.StartTimestamp).TotalMilliseconds);
        foreach (var waiter in job.Waiters)
        {
            waiter.Completion.TrySetResult(default);
        }

        try
        {
            CompactionCompleted?.Invoke(job.Target);
        }
        catch (Exception ex)
        {
            Log.CompactionHandlerFailed(_logger, ex);
        }
    }

    private void AbandonCompaction()
    {
        var error = Closed();
        foreach (var waiter in _job!.Waiters)
        {
            waiter.Completion.TrySetException(error);
        }

        _job = null;
    }

    private void Enlist(SqliteTransaction transaction)
    {
        foreach (var command in _commands)
        {
            command.Transaction = transaction;
        }
    }

    private SqliteCommand Prepare(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return command;
    }

    private static partial class Log
    {
        // Event IDs 20-39 belong to SqliteWriter; highest in use: 24.
        [LoggerMessage(20, LogLevel.Warning, "A batch of {Count} writes failed; retrying them one by one", EventName = "BatchFailed")]
        public static partial void BatchFailed(ILogger logger, int count, Exception ex);

        [LoggerMessage(21, LogLevel.Information, "Compacted history up to revision {Revision}: {Rows} rows deleted in {ElapsedMs} ms", EventName = "Compacted")]
        public static partial void Compacted(ILogger logger, long revision, long rows, long elapsedMs);

        [LoggerMessage(22, LogLevel.Error, "Compaction to revision {Revision} failed", EventName = "CompactionFailed")]
        public static partial void CompactionFailed(ILogger logger, long revision, Exception ex);

        [LoggerMessage(23, LogLevel.Critical, "The store writer stopped after an unexpected error; writes will fail until restart", EventName = "WriterFailed")]
        public static partial void WriterFailed(ILogger logger, Exception ex);

        [LoggerMessage(24, LogLevel.Warning, "A compaction-completed handler threw", EventName = "CompactionHandlerFailed")]
        public static partial void CompactionHandlerFailed(ILogger logger, Exception ex);
    }
}
