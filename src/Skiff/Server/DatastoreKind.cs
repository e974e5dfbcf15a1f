namespace Skiff.Server;

/// <summary>Which store backend a datastore endpoint selects.</summary>
internal enum DatastoreKind
{
    /// <summary>The embedded SQLite store (the default).</summary>
    Sqlite,

    /// <summary>An external etcd v3 cluster.</summary>
    Etcd,
}
