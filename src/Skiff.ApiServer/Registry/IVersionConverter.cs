using Skiff.Api.Resources;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// Converts between the JSON of one served version of a resource and its storage type <typeparamref name="T"/>
/// (identity for the storage version; e.g. autoscaling/v1 ↔ v2 for HPAs).
/// </summary>
internal interface IVersionConverter<T>
{
    /// <summary>The served version.</summary>
    ResourceInfo External { get; }

    /// <summary>Decodes a request body of the served version into the storage type.</summary>
    T Decode(ReadOnlySpan<byte> json);

    /// <summary>Encodes a storage object as the served version.</summary>
    byte[] Encode(T obj);

    /// <summary>Encodes a cached object as the served version (identity reuses the cached bytes).</summary>
    byte[] Encode(CachedObject o);

    /// <summary>The served-version type, for error messages and field validation.</summary>
    Type ExternalType { get; }
}
