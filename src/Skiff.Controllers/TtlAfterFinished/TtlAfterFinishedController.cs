using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.TtlAfterFinished;

/// <summary>
/// Deletes finished Jobs once spec.ttlSecondsAfterFinished has passed, after kube-controller-manager's
/// ttlafterfinished controller: a job is enqueued when it finishes, requeued for the moment it expires, and
/// deleted (in the foreground, so its pods go first) only after a live read confirms it is still expired, as
/// the TTL may have been changed since the cache saw it.
/// </summary>
internal sealed partial class TtlAfterFinishedController : IController
{
    private readonly IInformer<V1Job> _jobs;
    private readonly IResourceClient<V1Job> _client;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public TtlAfterFinishedController(IInformer<V1Job> jobs, IResourceClient<V1Job> client, TimeProvider timeProvider, ILogger logger)
    {
        _jobs = jobs;
        _client = client;
        _timeProvider = timeProvider;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;
        jobs.AddEventHandler(new ResourceEventHandler<V1Job>(EnqueueIfNeeded, (_, j) => EnqueueIfNeeded(j)));
    }

    public string Name => "ttlafterfinished";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await _jobs.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The time the job finished: lastTransitionTime of its true Complete or Failed condition.</summary>
    internal static DateTimeOffset? FinishTime(V1Job job)
    {
        var finished = job.Status?.Conditions?.FirstOrDefault(c => c.Type is "Complete" or "Failed" && c.Status == "True");
        if (finished is null)
        {
            return null;
        }

        var t = finished.LastTransitionTime ?? job.Status?.CompletionTime;
        return t is { } time ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)) : null;
    }

    private static bool NeedsCleanup(V1Job job) =>
        job.Spec?.TtlSecondsAfterFinished is not null && job.Metadata.DeletionTimestamp is null && FinishTime(job) is not null;

    private void EnqueueIfNeeded(V1Job job)
    {
        if (NeedsCleanup(job))
        {
            Queue.Add(ObjectKey.Of(job));
        }
    }

    /// <summary>How long until the job expires; zero or less means it has.</summary>
    private TimeSpan? TimeLeft(V1Job job) =>
        NeedsCleanup(job) ? FinishTime(job)!.Value.AddSeconds(job.Spec.TtlSecondsAfterFinished!.Value) - _timeProvider.GetUtcNow() : null;

    internal async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _jobs.Indexer.Get(key);
        if (cached is null || TimeLeft(cached) is not { } left)
        {
            return;
        }

        if (left > TimeSpan.Zero)
        {
            throw new RequeueAfterException(left);
        }

        var (ns, name) = ObjectKey.Split(key);
        V1Job fresh;
        try
        {
            fresh = await _client.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            return;
        }

        if (TimeLeft(fresh) is not { } freshLeft)
        {
            return;
        }

        if (freshLeft > TimeSpan.Zero)
        {
            throw new RequeueAfterException(freshLeft);
        }

        try
        {
            await _client.DeleteAsync(ns, name, new V1DeleteOptions { PropagationPolicy = "Foreground", Preconditions = new V1Preconditions { Uid = fresh.Metadata.Uid } }, cancellationToken).ConfigureAwait(false);
            Log.Deleted(_logger, key);
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "TtlExpiredJobDeleted", Level = LogLevel.Information, Message = "deleted finished job {Key}: ttlSecondsAfterFinished expired")]
        public static partial void Deleted(ILogger logger, string key);
    }
}
