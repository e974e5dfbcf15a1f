using Skiff.Client.Queues;

namespace Skiff.Controllers.Common;

/// <summary>A controller the manager runs: waits for its caches, then works its queue until cancelled.</summary>
internal interface IController
{
    string Name { get; }

    /// <summary>The controller's work queue, for metrics; null for a controller that runs on a timer (pod GC).</summary>
    RateLimitingQueue<string>? Queue => null;

    Task RunAsync(int workers, CancellationToken cancellationToken);
}
