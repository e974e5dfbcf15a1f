namespace Skiff.ApiServer.Registry;

/// <summary>
/// Work a resource's storage does around the write besides the strategy, with I/O (kube-apiserver's
/// genericregistry.Store BeginCreate/BeginUpdate/AfterDelete decorators, as the Service storage uses them to allocate
/// cluster IPs and node ports). Begin runs after validation and admission; the returned transaction is committed
/// when the object was written and reverted when it was not (lost race, no-op update, store error).
/// </summary>
internal interface IRegistryHooks<in T>
{
    ValueTask<RegistryTransaction> BeginCreateAsync(T obj, bool dryRun, CancellationToken ct);

    ValueTask<RegistryTransaction> BeginUpdateAsync(T obj, T old, UpdateKind kind, bool dryRun, CancellationToken ct);

    /// <summary>Runs once the object is gone from the store (not when deletion only started).</summary>
    ValueTask AfterDeleteAsync(T obj, CancellationToken ct);
}
