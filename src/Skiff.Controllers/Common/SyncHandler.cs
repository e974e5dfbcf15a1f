namespace Skiff.Controllers.Common;

/// <summary>Reconciles one key (<c>namespace/name</c>); throwing retries it with backoff.</summary>
internal delegate Task SyncHandler(string key, CancellationToken cancellationToken);
