namespace Skiff.ApiServer.Registry;

/// <summary>The object of a delete, and whether it is gone (false: marked for deletion, kept by finalizers or a grace period).</summary>
internal sealed record DeleteResult<T>(T Object, bool Deleted);
