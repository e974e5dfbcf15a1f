namespace Skiff.Client.Cache;

/// <summary>Something an informer factory starts and runs until cancelled.</summary>
public interface IRunnable
{
    bool HasSynced { get; }

    Task WaitForSyncAsync(CancellationToken cancellationToken);

    Task RunAsync(CancellationToken cancellationToken);
}
