using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Registry;

/// <summary>One page of a LIST: the objects as cached JSON, the list's resourceVersion and paging state.</summary>
internal sealed record ListResult(IReadOnlyList<CachedObject> Items, long ResourceVersion, string? Continue, long? RemainingItemCount);
