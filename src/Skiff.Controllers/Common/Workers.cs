using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Skiff.Client.Queues;

namespace Skiff.Controllers.Common;

/// <summary>
/// The worker loop every controller shares, in the shape of kube-controller-manager's processNextWorkItem:
/// Get a key, sync it, Forget on success or AddRateLimited on failure, and always Done.
/// </summary>
internal static partial class Workers
{
    public static async Task RunAsync(string controller, RateLimitingQueue<string> queue, Func<SyncHandler> sync, int workers, ILogger logger, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(queue.ShutDown);
        var tasks = Enumerable.Range(0, Math.Max(1, workers))
            .Select(_ => Task.Run(() => WorkAsync(controller, queue, sync, logger, cancellationToken), CancellationToken.None))
            .ToArray();
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    /// <summary>Takes and processes one key; false once the queue is shut down. Tests call this to drive a controller step by step.</summary>
    public static async Task<bool> ProcessNextAsync(string controller, RateLimitingQueue<string> queue, SyncHandler sync, ILogger logger, CancellationToken cancellationToken)
    {
        var (key, shutdown) = await queue.GetAsync(cancellationToken).ConfigureAwait(false);
        if (shutdown)
        {
            return false;
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            await sync(key, cancellationToken).ConfigureAwait(false);
            queue.Forget(key);
        }
        catch (RequeueAfterException requeue)
        {
            queue.Forget(key);
            queue.AddAfter(key, requeue.Delay);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex)
        {
            queue.Metrics?.Failed();
            Log.SyncFailed(logger, controller, key, ex.Message);
            queue.AddRateLimited(key);
        }
        finally
        {
            queue.Metrics?.WorkDuration(Stopwatch.GetElapsedTime(started));
            queue.Done(key);
        }

        return true;
    }

    private static async Task WorkAsync(string controller, RateLimitingQueue<string> queue, Func<SyncHandler> sync, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            while (await ProcessNextAsync(controller, queue, sync(), logger, cancellationToken).ConfigureAwait(false))
            {
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "SyncFailed", Level = LogLevel.Warning, Message = "{Controller}: syncing {Key} failed, will retry: {Error}")]
        public static partial void SyncFailed(ILogger logger, string controller, string key, string error);
    }
}
