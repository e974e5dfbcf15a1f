namespace Skiff.E2E.Support;

/// <summary>One <see cref="MultiNodeCluster"/> (a server and two joined agents, each host in its own network namespace) shared by a test class.</summary>
public sealed class MultiNodeClusterFixture : IAsyncLifetime
{
    public MultiNodeCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync() => Cluster = await MultiNodeCluster.StartAsync(agents: 2);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}
