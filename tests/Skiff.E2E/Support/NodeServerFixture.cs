namespace Skiff.E2E.Support;

/// <summary>One <see cref="NodeServer"/> (server + node agent in its own network namespace) shared by a test class.</summary>
public sealed class NodeServerFixture : IAsyncLifetime
{
    public NodeServer Node { get; private set; } = null!;

    public async Task InitializeAsync() => Node = await NodeServer.StartAsync();

    public async Task DisposeAsync() => await Node.DisposeAsync();
}
