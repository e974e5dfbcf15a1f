using Skiff.Storage;

namespace Skiff.ApiServer.Storage;

/// <summary>Turns stored bytes of one resource into a <see cref="CachedObject"/> at a revision (sets resourceVersion, extracts selector attributes).</summary>
internal interface IObjectDecoder
{
    CachedObject Decode(string key, ReadOnlyMemory<byte> value, long resourceVersion);
}
