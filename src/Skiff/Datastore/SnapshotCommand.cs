using Microsoft.Extensions.Logging;
using Skiff.Server;
using Skiff.Storage;
using Skiff.Storage.Snapshots;
using Skiff.Storage.Sqlite;

namespace Skiff.Datastore;

/// <summary>
/// <c>skiff datastore snapshot save|restore FILE</c>: a consistent backup of every object while the cluster runs, and
/// a restore (servers stopped) that leaves the datastore holding exactly the saved objects. SQLite is read through
/// SQLite's online backup API (the server keeps its lock); etcd through consistent range reads at one revision.
/// </summary>
internal sealed class SnapshotCommand(ILoggerFactory loggerFactory, TextWriter output, TextWriter error)
{
    /// <summary>Saves a snapshot; returns the exit code.</summary>
    public async Task<int> SaveAsync(string file, string dataDir, string? endpoint, DatastoreTls tls, CancellationToken cancellationToken)
    {
        return await RunAsync(async () =>
        {
            var datastore = DatastoreEndpoint.Parse(endpoint, new DataDirectory(dataDir).DefaultDatabasePath);
            SnapshotInfo info;
            if (datastore.Kind == DatastoreKind.Sqlite)
            {
                // The running server holds the database's lock: copy it with the online backup API and read the copy.
                var copy = Path.Combine(Path.GetTempPath(), $"skiff-snapshot-{Guid.NewGuid():N}.db");
                try
                {
                    SqliteOnlineBackup.Copy(datastore.SqlitePath!, copy);
                    await using var store = await DatastoreOpener.OpenSqliteAsync(copy, loggerFactory, cancellationToken).ConfigureAwait(false);
                    info = await StoreSnapshot.SaveAsync(store, file, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    foreach (var leftover in new[] { copy, copy + "-wal", copy + "-shm", copy + ".lock" })
                    {
                        File.Delete(leftover);
                    }
                }
            }
            else
            {
                await using var store = await DatastoreOpener.OpenEtcdAsync(datastore, tls, loggerFactory, cancellationToken).ConfigureAwait(false);
                info = await StoreSnapshot.SaveAsync(store, file, cancellationToken).ConfigureAwait(false);
            }

            await output.WriteLineAsync($"Snapshot saved to {Path.GetFullPath(file)}: {info.Keys} keys at revision {info.Revision}, {info.Bytes} bytes").ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    /// <summary>Restores a snapshot into the datastore; returns the exit code.</summary>
    public async Task<int> RestoreAsync(string file, string dataDir, string? endpoint, DatastoreTls tls, CancellationToken cancellationToken)
    {
        return await RunAsync(async () =>
        {
            // Check the file before opening (and possibly creating) the datastore.
            await StoreSnapshot.VerifyAsync(file, cancellationToken).ConfigureAwait(false);
            var datastore = DatastoreEndpoint.Parse(endpoint, new DataDirectory(dataDir).DefaultDatabasePath);
            IStore store;
            try
            {
                store = await DatastoreOpener.OpenAsync(datastore, tls, loggerFactory, cancellationToken).ConfigureAwait(false);
            }
            catch (StartupException ex) when (datastore.Kind == DatastoreKind.Sqlite && ex.InnerException is SqliteStoreException && ex.Message.Contains("already open", StringComparison.Ordinal))
            {
                throw new StartupException($"{ex.Message}; stop the server before restoring a snapshot", ex);
            }

            await using (store.ConfigureAwait(false))
            {
                var info = await StoreSnapshot.RestoreAsync(store, file, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync($"Snapshot {Path.GetFullPath(file)} restored: {info.Keys} keys as of revision {info.Revision}").ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
    }

    private async Task<int> RunAsync(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex) when (ex is StartupException or SnapshotException or CompactedException or IOException or UnauthorizedAccessException
            or SqliteStoreException or Skiff.Storage.Etcd.EtcdStoreException)
        {
            await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
