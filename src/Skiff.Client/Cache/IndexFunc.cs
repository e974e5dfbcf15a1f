namespace Skiff.Client.Cache;

/// <summary>Computes the index values of one object (client-go's cache.IndexFunc).</summary>
public delegate IEnumerable<string> IndexFunc<in T>(T obj);
