namespace Skiff.Kubelet.Eviction;

/// <summary>Where the eviction manager gets its observations (kubelet's summary provider).</summary>
internal interface IEvictionStatsSource
{
    /// <summary>Observes the node's signals and the usage of <paramref name="pods"/>.</summary>
    Task<EvictionStats> CollectAsync(IReadOnlyList<k8s.Models.V1Pod> pods, CancellationToken cancellationToken);
}
