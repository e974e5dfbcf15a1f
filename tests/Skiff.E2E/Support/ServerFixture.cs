namespace Skiff.E2E.Support;

/// <summary>One <c>skiff server</c> shared by the tests of a class (each test uses its own namespace or names).</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public SkiffServer Server { get; private set; } = null!;

    public Kubectl Kubectl(string version = "1.33") => new(Server.Kubeconfig, version);

    public async Task InitializeAsync() => Server = await SkiffServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
