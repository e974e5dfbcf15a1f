namespace Skiff.Storage;

/// <summary>
/// A store that can check its backend beyond answering a read (e.g. that etcd has a leader). The API server's
/// <c>etcd</c> health check uses it when the store implements it, and a plain revision read otherwise.
/// </summary>
public interface IStoreHealth
{
    /// <summary>Completes when the backend is healthy; throws with the cause when it is not.</summary>
    ValueTask CheckHealthAsync(CancellationToken cancellationToken = default);
}
