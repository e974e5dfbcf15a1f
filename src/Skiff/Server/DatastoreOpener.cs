using System.Data.Common;
using Microsoft.Extensions.Logging;
using Skiff.Storage;
using Skiff.Storage.Etcd;
using Skiff.Storage.Sqlite;

namespace Skiff.Server;

/// <summary>Opens the store a <c>--datastore-endpoint</c> names, turning every failure into a <see cref="StartupException"/> that says why.</summary>
internal static class DatastoreOpener
{
    public static async Task<IStore> OpenAsync(DatastoreEndpoint datastore, DatastoreTls tls, ILoggerFactory loggerFactory, CancellationToken cancellationToken) =>
        datastore.Kind == DatastoreKind.Etcd
            ? await OpenEtcdAsync(datastore, tls, loggerFactory, cancellationToken).ConfigureAwait(false)
            : await OpenSqliteAsync(datastore.SqlitePath!, loggerFactory, cancellationToken).ConfigureAwait(false);

    public static async Task<IStore> OpenSqliteAsync(string databasePath, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        try
        {
            var storeOptions = new SqliteStoreOptions { DatabasePath = databasePath };
            return await SqliteStore.OpenAsync(storeOptions, loggerFactory.CreateLogger("Skiff.Storage"), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException or DbException or SqliteStoreException)
        {
            throw new StartupException($"cannot open the SQLite datastore {databasePath}: {ex.Message}", ex);
        }
    }

    public static async Task<EtcdStore> OpenEtcdAsync(DatastoreEndpoint datastore, DatastoreTls tls, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var storeOptions = new EtcdStoreOptions
        {
            Endpoints = datastore.EtcdEndpoints,
            KeyPrefix = tls.EtcdPrefix?.TrimEnd('/') ?? string.Empty,
            CaFile = FullPathOrNull(tls.CaFile),
            CertFile = FullPathOrNull(tls.CertFile),
            KeyFile = FullPathOrNull(tls.KeyFile),
        };
        try
        {
            storeOptions.Validate();
            return await EtcdStore.OpenAsync(storeOptions, loggerFactory.CreateLogger("Skiff.Storage"), cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            throw new StartupException($"etcd datastore: {ex.Message}", ex);
        }
        catch (EtcdStoreException ex)
        {
            throw new StartupException($"cannot open the etcd datastore: {ex.Message}", ex);
        }
    }

    private static string? FullPathOrNull(string? path) => string.IsNullOrWhiteSpace(path) ? null : Path.GetFullPath(path);
}
