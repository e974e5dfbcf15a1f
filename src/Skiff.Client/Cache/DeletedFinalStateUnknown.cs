namespace Skiff.Client.Cache;

/// <summary>
/// A tombstone (client-go's cache.DeletedFinalStateUnknown): the object vanished while the watch was down, so
/// its final state is unknown; <see cref="Object"/> is the last state the cache had.
/// </summary>
public sealed record DeletedFinalStateUnknown<T>(string Key, T Object);
