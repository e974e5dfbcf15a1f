namespace Skiff.ApiServer.Storage;

/// <summary>A watch asked to resume from a revision older than the cache's history (answered 410 Expired).</summary>
internal sealed class TooOldResourceVersionException(long requested, long oldest)
    : Exception($"too old resource version: {requested} ({oldest})")
{
    public long Requested { get; } = requested;

    public long Oldest { get; } = oldest;
}
