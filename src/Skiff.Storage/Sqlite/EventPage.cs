namespace Skiff.Storage.Sqlite;

/// <summary>A page of history read for a watch replay.</summary>
/// <param name="Events">Matching events, in revision order.</param>
/// <param name="ScannedThrough">The highest revision examined (matching or not); the next page starts after it.</param>
/// <param name="Exhausted">Whether the page reached the end revision.</param>
/// <param name="SnapshotRevision">The store revision of the page's read snapshot.</param>
internal sealed record EventPage(List<StoreEvent> Events, long ScannedThrough, bool Exhausted, long SnapshotRevision);
