namespace Skiff.Storage.Sqlite;

/// <summary>What a queued writer request does.</summary>
internal enum WriteOpKind
{
    Create,
    Update,
    Delete,
    Compact,
}
