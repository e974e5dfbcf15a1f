using System.Collections.Concurrent;

namespace Skiff.Storage.Sqlite;

/// <summary>
/// Read connections for concurrent readers. Renting never waits: an empty pool opens another connection (WAL
/// allows any number of readers beside the writer), and only up to the idle limit are kept when returned.
/// </summary>
internal sealed class ReadConnectionPool(string connectionString, TimeSpan busyTimeout, int maxIdle) : IDisposable
{
    private readonly ConcurrentQueue<ReadConnection> _idle = new();
    private int _idleCount;
    private volatile bool _disposed;

    public ReadConnection Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryDequeue(out var connection))
        {
            Interlocked.Decrement(ref _idleCount);
            return connection;
        }

        return new ReadConnection(connectionString, busyTimeout);
    }

    /// <summary>Gives a connection back; <paramref name="broken"/> closes it instead (after an unexpected SQLite error).</summary>
    public void Return(ReadConnection connection, bool broken = false)
    {
        if (broken || _disposed)
        {
            connection.Dispose();
            return;
        }

        if (Interlocked.Increment(ref _idleCount) > maxIdle)
        {
            Interlocked.Decrement(ref _idleCount);
            connection.Dispose();
            return;
        }

        _idle.Enqueue(connection);
        if (_disposed)
        {
            // Dispose ran between the check and the enqueue: it may have missed this one.
            Drain();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        Drain();
    }

    private void Drain()
    {
        while (_idle.TryDequeue(out var connection))
        {
            connection.Dispose();
        }
    }
}
