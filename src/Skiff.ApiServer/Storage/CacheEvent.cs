namespace Skiff.ApiServer.Storage;

/// <summary>The kind of a watch event, spelled as on the wire.</summary>
internal enum CacheEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>One change seen by a watch cache. For deletes <see cref="Object"/> is the last state with the delete's revision.</summary>
internal sealed record CacheEvent(CacheEventType Type, CachedObject Object, CachedObject? Previous, long ResourceVersion);
