namespace Skiff.ApiServer;

/// <summary>A running API server: its bound address and a way to stop it.</summary>
public interface IApiServer : IAsyncDisposable
{
    /// <summary>The HTTPS address clients use, e.g. https://127.0.0.1:6443 (the real port when 0 was asked).</summary>
    Uri Address { get; }

    /// <summary>Completes when the server is serving and its caches are ready (the /readyz condition).</summary>
    Task Ready { get; }

    /// <summary>Stops accepting requests, ends watches and waits for in-flight requests.</summary>
    Task StopAsync(CancellationToken cancellationToken = default);
}
