using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.CronJob;

/// <summary>
/// Creates a CronJob's Jobs on its schedule, after kube-controller-manager's cronjob controller v2: each sync
/// works out the latest scheduled time that is due, honours suspend, startingDeadlineSeconds and the
/// concurrency policy (Allow, Forbid, Replace), creates the job with a name derived from the scheduled time (so
/// it is never created twice), tracks active jobs and the last schedule and success times in the status, deletes
/// finished jobs beyond the history limits, and requeues itself for the next scheduled time.
/// </summary>
internal sealed partial class CronJobController : IController
{
    private readonly IInformer<V1CronJob> _cronJobs;
    private readonly IInformer<V1Job> _jobs;
    private readonly IResourceClient<V1CronJob> _cronJobClient;
    private readonly IResourceClient<V1Job> _jobClient;
    private readonly IEventRecorder _recorder;
    private readonly TimeProvider _timeProvider;
    private readonly TimeZoneInfo _localZone;
    private readonly ILogger _logger;

    public CronJobController(IInformer<V1CronJob> cronJobs, IInformer<V1Job> jobs, IResourceClient<V1CronJob> cronJobClient, IResourceClient<V1Job> jobClient, IEventRecorder recorder, TimeProvider timeProvider, ILogger logger)
    {
        _cronJobs = cronJobs;
        _jobs = jobs;
        _cronJobClient = cronJobClient;
        _jobClient = jobClient;
        _recorder = recorder;
        _timeProvider = timeProvider;
        _localZone = timeProvider.LocalTimeZone;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;

        cronJobs.AddEventHandler(new ResourceEventHandler<V1CronJob>(
            onAdd: cj => Queue.Add(ObjectKey.Of(cj)),
            onUpdate: UpdateCronJob));
        jobs.AddEventHandler(new ResourceEventHandler<V1Job>(
            onAdd: EnqueueOwner,
            onUpdate: (old, cur) =>
            {
                if (Objects.ControllerOf(old.Metadata)?.Uid != Objects.ControllerOf(cur.Metadata)?.Uid)
                {
                    EnqueueOwner(old);
                }

                EnqueueOwner(cur);
            },
            onDelete: EnqueueOwner));
    }

    public string Name => "cronjob";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_cronJobs.WaitForSyncAsync(cancellationToken), _jobs.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    private void EnqueueOwner(V1Job job)
    {
        if (Objects.ResolveControllerRef(_cronJobs.Indexer, job.Metadata, "CronJob") is { } cronJob)
        {
            Queue.Add(ObjectKey.Of(cronJob));
        }
    }

    private void UpdateCronJob(V1CronJob old, V1CronJob cur)
    {
        var key = ObjectKey.Of(cur);
        if (old.Spec?.Schedule != cur.Spec?.Schedule || old.Spec?.TimeZone != cur.Spec?.TimeZone)
        {
            // A new schedule may fire sooner than the wake-up already queued.
            var schedule = CronSchedule.TryParse(cur.Spec?.Schedule ?? "", cur.Spec?.TimeZone, _localZone, out _);
            if (schedule is null)
            {
                _recorder.Event(cur, "Warning", "UnParseableCronJobSchedule", $"unparseable schedule for cronjob: {cur.Spec?.Schedule}");
                return;
            }

            Queue.AddAfter(key, ScheduleTimes.UntilNext(cur, _timeProvider.GetUtcNow(), schedule));
            return;
        }

        Queue.Add(key);
    }

    /// <summary>One reconcile: clean up history, then schedule; a single status write carries both.</summary>
    internal async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _cronJobs.Indexer.Get(key);
        if (cached is null)
        {
            return;
        }

        var cronJob = Objects.Clone(cached);
        cronJob.Status ??= new V1CronJobStatus();
        var jobs = _jobs.Indexer.ListNamespace(cronJob.Metadata.NamespaceProperty)
            .Where(j => Objects.ControllerOf(j.Metadata) is { Kind: "CronJob" } r && r.Name == cronJob.Metadata.Name && r.Uid == cronJob.Metadata.Uid)
            .ToList();

        var cleanedUp = await CleanupFinishedJobsAsync(cronJob, jobs, cancellationToken).ConfigureAwait(false);
        var (requeue, synced, error) = await SyncCronJobAsync(cronJob, jobs, cancellationToken).ConfigureAwait(false);
        if (cleanedUp || synced)
        {
            try
            {
                await _cronJobClient.UpdateAsync(cronJob, cancellationToken, "status").ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                return;
            }
        }

        if (requeue is { } delay)
        {
            throw new RequeueAfterException(delay);
        }

        if (error is not null)
        {
            throw error;
        }
    }

    /// <summary>
    /// syncCronJob: reconcile status.active with the jobs that exist, then, unless suspended, start the job that
    /// is due. Returns when to look again, whether the status changed, and an error to retry with.
    /// </summary>
    private async Task<(TimeSpan? Requeue, bool Changed, Exception? Error)> SyncCronJobAsync(V1CronJob cronJob, List<V1Job> jobs, CancellationToken cancellationToken)
    {
        var now = _timeProvider.GetUtcNow();
        var status = cronJob.Status;
        var changed = false;
        var children = new HashSet<string>(jobs.Select(j => j.Metadata.Uid), StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            var inActive = InActive(cronJob, job.Metadata.Uid);
            var finished = FinishedCondition(job);
            if (!inActive && finished is null)
            {
                // Ours but not listed: created by hand (kubectl create job --from) or our status write was lost.
                // Trust a fresh read of the CronJob before complaining.
                try
                {
                    var fresh = await _cronJobClient.GetAsync(cronJob.Metadata.NamespaceProperty, cronJob.Metadata.Name, cancellationToken).ConfigureAwait(false);
                    if (InActive(fresh, job.Metadata.Uid))
                    {
                        status.Active = fresh.Status?.Active;
                        continue;
                    }
                }
                catch (ApiException ex) when (ex.IsNotFound)
                {
                    return (null, false, null);
                }

                _recorder.Event(cronJob, "Warning", "UnexpectedJob", $"Saw a job that the controller did not create or forgot: {job.Metadata.Name}");
            }
            else if (inActive && finished is not null)
            {
                status.Active = status.Active!.Where(r => r.Uid != job.Metadata.Uid).ToList();
                _recorder.Event(cronJob, "Normal", "SawCompletedJob", $"Saw completed job: {job.Metadata.Name}, condition: {finished}");
                changed = true;
            }

            if (finished == "Complete" && job.Status?.CompletionTime is { } completed
                && (status.LastSuccessfulTime is null || completed > status.LastSuccessfulTime.Value))
            {
                status.LastSuccessfulTime = completed;
                changed = true;
            }
        }

        // Active entries whose job is gone (checked live: the cache may lag) would block Forbid forever.
        foreach (var entry in (status.Active ?? []).ToList())
        {
            if (children.Contains(entry.Uid))
            {
                continue;
            }

            try
            {
                await _jobClient.GetAsync(entry.NamespaceProperty, entry.Name, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                _recorder.Event(cronJob, "Normal", "MissingJob", $"Active job went missing: {entry.Name}");
                status.Active = status.Active!.Where(r => r.Uid != entry.Uid).ToList();
                changed = true;
            }
        }

        if (cronJob.Metadata.DeletionTimestamp is not null)
        {
            return (null, changed, null);
        }

        if (cronJob.Spec.TimeZone is { } zoneName && !ZoneExists(zoneName, out var zoneError))
        {
            _recorder.Event(cronJob, "Warning", "UnknownTimeZone", $"invalid timeZone: \"{zoneName}\": {zoneError}");
            return (null, changed, null);
        }

        if (cronJob.Spec.Suspend == true)
        {
            return (null, changed, null);
        }

        if (cronJob.Spec.Schedule?.Contains("TZ", StringComparison.Ordinal) == true)
        {
            _recorder.Event(cronJob, "Warning", "UnsupportedSchedule", $"CRON_TZ or TZ used in schedule \"{cronJob.Spec.Schedule}\" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details");
        }

        var schedule = CronSchedule.TryParse(cronJob.Spec.Schedule ?? "", cronJob.Spec.TimeZone, _localZone, out var parseError);
        if (schedule is null)
        {
            _recorder.Event(cronJob, "Warning", "UnparseableSchedule", $"unparseable schedule: \"{cronJob.Spec.Schedule}\" : {parseError}");
            return (null, changed, null);
        }

        var due = ScheduleTimes.Due(cronJob, now, schedule);
        if (due.Error is not null)
        {
            _recorder.Event(cronJob, "Warning", "InvalidSchedule", $"invalid schedule: {cronJob.Spec.Schedule} : {due.Error}");
            return (null, changed, null);
        }

        if (due.Missed > ScheduleTimes.TooManyMissed)
        {
            _recorder.Event(cronJob, "Warning", "TooManyMissedTimes", $"too many missed start times: {due.Missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
            Log.TooManyMissed(_logger, ObjectKey.Of(cronJob), due.Missed);
        }

        if (due.MostRecent is not { } scheduled)
        {
            // Nothing due (a wake-up came early, or after a restart): sleep until the next time.
            return (ScheduleTimes.UntilNext(cronJob, now, schedule), changed, null);
        }

        if (cronJob.Spec.StartingDeadlineSeconds is { } deadline && scheduled.AddSeconds(deadline) < now)
        {
            _recorder.Event(cronJob, "Warning", "MissSchedule", $"Missed scheduled time to start a job: {scheduled.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture)}");
            return (ScheduleTimes.UntilNext(cronJob, now, schedule), changed, null);
        }

        var name = ScheduleTimes.JobName(cronJob, scheduled);
        if ((status.Active ?? []).Any(r => r.Name == name) || status.LastScheduleTime is { } last && Utc(last) == scheduled)
        {
            // Already started for this time.
            return (ScheduleTimes.UntilNext(cronJob, now, schedule), changed, null);
        }

        if (cronJob.Spec.ConcurrencyPolicy == "Forbid" && (status.Active?.Count ?? 0) > 0)
        {
            // The time counts as handled only when a job starts for it, so a later sync before the next time
            // still starts it once the running job finishes.
            _recorder.Event(cronJob, "Normal", "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
            return (ScheduleTimes.UntilNext(cronJob, now, schedule), changed, null);
        }

        if (cronJob.Spec.ConcurrencyPolicy == "Replace")
        {
            foreach (var entry in (status.Active ?? []).ToList())
            {
                V1Job running;
                try
                {
                    running = await _jobClient.GetAsync(entry.NamespaceProperty, entry.Name, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is ApiException or HttpRequestException)
                {
                    _recorder.Event(cronJob, "Warning", "FailedGet", $"Get job: {ex.Message}");
                    return (null, changed, ex);
                }

                if (!await DeleteJobAsync(cronJob, running, cancellationToken).ConfigureAwait(false))
                {
                    return (null, changed, new InvalidOperationException($"could not replace job {entry.NamespaceProperty}/{entry.Name}"));
                }

                changed = true;
            }
        }

        var request = JobFromTemplate(cronJob, scheduled, name);
        V1Job created;
        try
        {
            created = await _jobClient.CreateAsync(request, cancellationToken).ConfigureAwait(false);
            _recorder.Event(cronJob, "Normal", "SuccessfulCreate", $"Created job {created.Metadata.Name}");
            Log.Created(_logger, ObjectKey.Of(created), ObjectKey.Of(cronJob), scheduled);
        }
        catch (ApiException ex) when (ex.IsNamespaceTerminating)
        {
            return (null, changed, ex);
        }
        catch (ApiException ex) when (ex.IsAlreadyExists)
        {
            // Created earlier, but the status write that listed it may have been lost.
            try
            {
                created = await _jobClient.GetAsync(cronJob.Metadata.NamespaceProperty, name, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception getError) when (getError is ApiException or HttpRequestException)
            {
                return (null, changed, getError);
            }

            if (Objects.ControllerOf(created.Metadata)?.Uid != cronJob.Metadata.Uid || InActive(cronJob, created.Metadata.Uid))
            {
                return (null, changed, null);
            }
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException)
        {
            _recorder.Event(cronJob, "Warning", "FailedCreate", $"Error creating job: {ex.Message}");
            return (null, changed, ex);
        }

        status.Active ??= [];
        status.Active.Add(new V1ObjectReference
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Name = created.Metadata.Name,
            NamespaceProperty = created.Metadata.NamespaceProperty,
            Uid = created.Metadata.Uid,
            ResourceVersion = created.Metadata.ResourceVersion,
        });
        status.LastScheduleTime = scheduled.UtcDateTime;
        return (ScheduleTimes.UntilNext(cronJob, now, schedule), true, null);
    }

    /// <summary>
    /// A job for one scheduled time (getJobFromTemplate2): the template's labels and annotations, the scheduled
    /// time annotation, a controller reference to the CronJob, and the template's spec.
    /// </summary>
    internal static V1Job JobFromTemplate(V1CronJob cronJob, DateTimeOffset scheduled, string name)
    {
        var template = Objects.Clone(cronJob.Spec.JobTemplate ?? new V1JobTemplateSpec());
        var annotations = template.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a) : new Dictionary<string, string>();
        var zone = cronJob.Spec.TimeZone is { } tz && ZoneExists(tz, out _) ? FindZone(tz) : TimeZoneInfo.Utc;
        annotations[CronJobResources.ScheduledTimestampAnnotation] = Rfc3339(TimeZoneInfo.ConvertTime(scheduled, zone));
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = cronJob.Metadata.NamespaceProperty,
                Labels = template.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : null,
                Annotations = annotations,
                OwnerReferences = [Objects.ControllerRef(cronJob, "batch/v1", "CronJob")],
            },
            Spec = template.Spec ?? new V1JobSpec(),
        };
    }

    /// <summary>
    /// Deletes the oldest finished jobs beyond successfulJobsHistoryLimit and failedJobsHistoryLimit
    /// (cleanupFinishedJobs), oldest start time first. Returns whether status.active changed.
    /// </summary>
    private async Task<bool> CleanupFinishedJobsAsync(V1CronJob cronJob, List<V1Job> jobs, CancellationToken cancellationToken)
    {
        var changed = false;
        foreach (var (condition, limit) in new[] { ("Complete", cronJob.Spec.SuccessfulJobsHistoryLimit), ("Failed", cronJob.Spec.FailedJobsHistoryLimit) })
        {
            if (limit is not { } keep)
            {
                continue;
            }

            var finished = jobs.Where(j => FinishedCondition(j) == condition).ToList();
            var excess = finished.Count - keep;
            if (excess <= 0)
            {
                continue;
            }

            var oldest = finished
                .OrderBy(j => j.Status?.StartTime is null ? 1 : 0)
                .ThenBy(j => j.Status?.StartTime ?? DateTime.MaxValue)
                .ThenBy(j => j.Metadata.Name, StringComparer.Ordinal)
                .Take(excess);
            foreach (var job in oldest)
            {
                changed |= await DeleteJobAsync(cronJob, job, cancellationToken).ConfigureAwait(false);
            }
        }

        return changed;
    }

    /// <summary>Deletes a job in the background (its pods follow through the garbage collector) and drops it from status.active.</summary>
    private async Task<bool> DeleteJobAsync(V1CronJob cronJob, V1Job job, CancellationToken cancellationToken)
    {
        try
        {
            await _jobClient.DeleteAsync(job.Metadata.NamespaceProperty, job.Metadata.Name, new V1DeleteOptions { PropagationPolicy = "Background" }, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException)
        {
            _recorder.Event(cronJob, "Warning", "FailedDelete", $"Deleted job: {ex.Message}");
            Log.DeleteFailed(_logger, ObjectKey.Of(job), ObjectKey.Of(cronJob), ex.Message);
            return false;
        }

        if (cronJob.Status.Active is { } active)
        {
            cronJob.Status.Active = active.Where(r => r.Uid != job.Metadata.Uid).ToList();
        }

        _recorder.Event(cronJob, "Normal", "SuccessfulDelete", $"Deleted job {job.Metadata.Name}");
        return true;
    }

    private static bool InActive(V1CronJob cronJob, string uid) => cronJob.Status?.Active?.Any(r => r.Uid == uid) == true;

    /// <summary>"Complete" or "Failed" when the job has that condition True, else null.</summary>
    internal static string? FinishedCondition(V1Job job) =>
        job.Status?.Conditions?.FirstOrDefault(c => c.Type is "Complete" or "Failed" && c.Status == "True")?.Type;

    private static bool ZoneExists(string name, out string? error)
    {
        error = null;
        try
        {
            FindZone(name);
            return true;
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            error = $"unknown time zone {name}";
            return false;
        }
    }

    private static TimeZoneInfo FindZone(string name) => name is "UTC" or "" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(name);

    /// <summary>Go's time.RFC3339: <c>Z</c> for UTC, else the offset.</summary>
    private static string Rfc3339(DateTimeOffset t) =>
        t.Offset == TimeSpan.Zero
            ? t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : t.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    private static DateTimeOffset Utc(DateTime t) =>
        new(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime());

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "CronJobCreatedJob", Level = LogLevel.Information, Message = "created job {Job} for cronjob {CronJob}, scheduled at {Scheduled}")]
        public static partial void Created(ILogger logger, string job, string cronJob, DateTimeOffset scheduled);

        [LoggerMessage(EventId = 2, EventName = "CronJobTooManyMissed", Level = LogLevel.Warning, Message = "cronjob {CronJob}: too many missed start times ({Missed}); check startingDeadlineSeconds or clock skew")]
        public static partial void TooManyMissed(ILogger logger, string cronJob, long missed);

        [LoggerMessage(EventId = 3, EventName = "CronJobDeleteJobFailed", Level = LogLevel.Warning, Message = "could not delete job {Job} of cronjob {CronJob}: {Error}")]
        public static partial void DeleteFailed(ILogger logger, string job, string cronJob, string error);
    }
}
