namespace Skiff.ApiServer.Registry;

/// <summary>The object after an update, and whether the update created it (PUT on an absent object).</summary>
internal sealed record UpdateResult<T>(T Object, bool Created);
