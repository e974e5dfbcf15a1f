namespace Skiff.Controllers.Common;

/// <summary>A controller the manager runs: waits for its caches, then works its queue until cancelled.</summary>
internal interface IController
{
    string Name { get; }

    Task RunAsync(int workers, CancellationToken cancellationToken);
}
