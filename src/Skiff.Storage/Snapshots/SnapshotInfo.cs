namespace Skiff.Storage.Snapshots;

/// <summary>What a snapshot holds.</summary>
/// <param name="Revision">The store revision the keys were read at.</param>
/// <param name="Keys">How many keys it holds.</param>
/// <param name="Bytes">The file size.</param>
public sealed record SnapshotInfo(long Revision, long Keys, long Bytes);
