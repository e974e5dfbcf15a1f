using System.Collections.Concurrent;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Controllers.Common;
using Skiff.Controllers.ReplicaSet;

namespace Skiff.Controllers.Job;

internal sealed partial class JobController
{
    /// <summary>
    /// One reconcile of a job (syncJob): count newly finished pods, decide whether the job has succeeded or
    /// failed, create or delete pods to reach the wanted number of active ones, and record it all in the status.
    /// </summary>
    internal async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _jobs.Indexer.Get(key);
        if (cached is null)
        {
            Expectations.Delete(key);
            FinalizerExpectations.Delete(key);
            _backoff.TryRemove(key, out _);
            _written.TryRemove(key, out _);
            return;
        }

        if (IsOlderThanWritten(key, cached))
        {
            // The cache has not caught up with our own last status write; counting from it could start pods
            // for completions already counted. Look again once it has.
            throw new RequeueAfterException(StaleCacheDelay);
        }

        if (cached.Spec?.ManagedBy is { } managedBy && managedBy != ManagedBy)
        {
            return;
        }

        if (IsFinished(cached))
        {
            _backoff.TryRemove(key, out _);
            return;
        }

        var job = Objects.Clone(cached);
        job.Status ??= new V1JobStatus();
        var now = _timeProvider.GetUtcNow();
        var satisfied = Expectations.Satisfied(key);
        var pods = await ClaimPodsAsync(job, cancellationToken).ConfigureAwait(false);
        var uncounted = job.Status.UncountedTerminatedPods;
        var ctx = new JobSyncContext
        {
            Job = job,
            Pods = pods,
            Active = pods.Where(Pods.IsActive).ToList(),
            ExpectedRemovals = FinalizerExpectations.Pending(key),
            UncountedSucceeded = new HashSet<string>(uncounted?.Succeeded ?? [], StringComparer.Ordinal),
            UncountedFailed = new HashSet<string>(uncounted?.Failed ?? [], StringComparer.Ordinal),
        };

        var newSucceeded = NewlyFinished(ctx, ctx.UncountedSucceeded, p => p.Status?.Phase == "Succeeded");
        var newFailed = NewlyFinished(ctx, ctx.UncountedFailed, p => JobPods.IsFailed(p, job));
        ctx.Succeeded = (job.Status.Succeeded ?? 0) + newSucceeded.Count + ctx.UncountedSucceeded.Count;
        ctx.Failed = (job.Status.Failed ?? 0) + newFailed.Count(p => PodFailurePolicies.Evaluate(job.Spec.PodFailurePolicy, p).CountFailed) + ctx.UncountedFailed.Count;
        ctx.Ready = ctx.Active.Count(Pods.IsReady);
        ctx.Terminating = pods.Count(JobPods.IsTerminating);
        ctx.NewBackoff = _backoff.GetValueOrDefault(key, BackoffRecord.None).With(newSucceeded, newFailed);

        var suspended = job.Spec.Suspend == true;
        var startTimeChanged = false;
        if (job.Status.StartTime is null && !suspended)
        {
            job.Status.StartTime = now.UtcDateTime;
            startTimeChanged = true;
        }

        DecideFailure(ctx, now);
        if (ctx.Indexed)
        {
            ctx.PreviousSucceededIndexes = CompletionIndexes.Parse(job.Status.CompletedIndexes, ctx.Completions);
            ctx.SucceededIndexes = ctx.PreviousSucceededIndexes.With(
                pods.Where(p => p.Status?.Phase == "Succeeded" && JobPods.HasTrackingFinalizer(p) && ctx.ValidIndex(p)).Select(JobPods.CompletionIndex));
            ctx.Succeeded = ctx.SucceededIndexes.Total;
            if (ctx.PerIndexBackoff)
            {
                DecidePerIndexFailure(ctx, now);
            }

            if (ctx.Finished is null && SuccessPolicyMatch(job.Spec.SuccessPolicy, ctx) is { } message)
            {
                ctx.Finished = NewCondition("SuccessCriteriaMet", "SuccessPolicy", message, now);
            }
        }

        var active = ctx.Active.Count;
        Exception? manageError = null;
        var suspendChanged = false;
        if (ctx.Finished is not null)
        {
            // Finishing: active pods go (keeping their finalizers, so they are counted as they terminate).
            var (deletedReady, deleted, error) = await DeletePodsAsync(key, job, ctx.Active, removeFinalizer: false, cancellationToken).ConfigureAwait(false);
            if (deleted != active || !satisfied)
            {
                // Pods may still be terminating or missing from the cache: not finished yet.
                ctx.Finished = null;
            }

            active -= deleted;
            ctx.Ready -= deletedReady;
            ctx.Terminating += deleted;
            manageError = error;
        }
        else
        {
            var manageCalled = false;
            if (satisfied && job.Metadata.DeletionTimestamp is null)
            {
                (active, manageError) = await ManageJobAsync(key, ctx, now, cancellationToken).ConfigureAwait(false);
                manageCalled = true;
            }

            var complete = job.Spec.Completions is null
                ? ctx.Succeeded > 0 && active == 0
                : ctx.Succeeded >= ctx.Completions && active == 0;
            if (complete)
            {
                ctx.Finished = NewCondition("SuccessCriteriaMet", "CompletionsReached", "Reached expected number of succeeded pods", now);
            }
            else if (manageCalled)
            {
                suspendChanged = UpdateSuspendCondition(job, suspended, now);
            }
        }

        var status = job.Status;
        var needsUpdate = suspendChanged || startTimeChanged || active != (status.Active ?? 0) || ctx.Ready != (status.Ready ?? 0) || ctx.Terminating != (status.Terminating ?? 0);
        status.Active = active;
        status.Ready = ctx.Ready;
        status.Terminating = ctx.Terminating;
        await TrackStatusAndRemoveFinalizersAsync(key, ctx, needsUpdate, cancellationToken).ConfigureAwait(false);

        if (manageError is not null)
        {
            throw manageError;
        }

        if (ctx.Requeue is { } delay)
        {
            throw new RequeueAfterException(delay);
        }
    }

    /// <summary>How long to wait for the job cache to show our own status write.</summary>
    internal static readonly TimeSpan StaleCacheDelay = TimeSpan.FromMilliseconds(100);

    /// <summary>Whether the cached job is older than the status this controller last wrote for it (same UID).</summary>
    private bool IsOlderThanWritten(string key, V1Job cached) =>
        _written.TryGetValue(key, out var written) && written.Uid == cached.Metadata.Uid
        && long.TryParse(cached.Metadata.ResourceVersion, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var rv)
        && rv < written.ResourceVersion;

    /// <summary>
    /// Finished pods not yet counted (getNewFinishedPods): still holding the tracking finalizer, not already listed
    /// in uncountedTerminatedPods and not awaiting finalizer removal; for Indexed jobs, with a valid index.
    /// </summary>
    private static List<V1Pod> NewlyFinished(JobSyncContext ctx, HashSet<string> uncounted, Func<V1Pod, bool> filter) =>
        ctx.Pods.Where(p => JobPods.HasTrackingFinalizer(p)
                && !uncounted.Contains(p.Metadata.Uid)
                && !ctx.ExpectedRemovals.Contains(p.Metadata.Uid)
                && (!ctx.Indexed || ctx.ValidIndex(p))
                && filter(p))
            .ToList();

    /// <summary>
    /// Whether the job must fail, in kube-controller-manager's order: an earlier FailureTarget, a FailJob pod failure
    /// rule, the backoff limit (failed pods, or restarts for restartPolicy OnFailure), the active deadline.
    /// Otherwise a deadline still ahead asks for a sync when it passes.
    /// </summary>
    private void DecideFailure(JobSyncContext ctx, DateTimeOffset now)
    {
        var job = ctx.Job;
        if (Condition(job, "SuccessCriteriaMet") is { Status: "True" } met)
        {
            ctx.Finished = met;
            return;
        }

        if (Condition(job, "FailureTarget") is { Status: "True" } target)
        {
            // Decided in an earlier sync: now heading for the terminal Failed condition.
            ctx.Finished = NewCondition("Failed", target.Reason, target.Message, now);
            return;
        }

        if (job.Spec.PodFailurePolicy is { } policy)
        {
            foreach (var pod in ctx.Pods.Where(p => JobPods.IsFailed(p, job)))
            {
                if (PodFailurePolicies.Evaluate(policy, pod).FailJobMessage is { } message)
                {
                    ctx.Finished = NewCondition("FailureTarget", "PodFailurePolicy", message, now);
                    return;
                }
            }
        }

        var backoffLimit = job.Spec.BackoffLimit ?? 6;
        if (ctx.Failed > backoffLimit || PastBackoffLimitOnFailure(job, ctx.Pods))
        {
            ctx.Finished = NewCondition("FailureTarget", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now);
        }
        else if (PastActiveDeadline(job, now))
        {
            ctx.Finished = NewCondition("FailureTarget", "DeadlineExceeded", "Job was active longer than specified deadline", now);
        }
        else if (job.Spec.ActiveDeadlineSeconds is { } deadline && job.Spec.Suspend != true && job.Status.StartTime is { } start)
        {
            ctx.RequeueAfter(Utc(start).AddSeconds(deadline) - now);
        }
    }

    /// <summary>
    /// backoffLimitPerIndex: an index fails for good once a pod of it fails with backoffLimitPerIndex earlier
    /// failures (or a FailIndex rule matches); too many failed indexes (maxFailedIndexes) fail the job, and so
    /// does a job whose every index has either succeeded or failed. Each index's latest failed pod is kept (with
    /// its failure count) until it is replaced.
    /// </summary>
    private static void DecidePerIndexFailure(JobSyncContext ctx, DateTimeOffset now)
    {
        var job = ctx.Job;
        ctx.FailedIndexes = CompletionIndexes.Parse(job.Status.FailedIndexes, ctx.Completions)
            .With(ctx.Pods.Where(p => ctx.ValidIndex(p) && IsIndexFailed(job, p)).Select(JobPods.CompletionIndex));
        if (ctx.Finished is null)
        {
            var failedIndexes = ctx.FailedIndexes.Total;
            if (job.Spec.MaxFailedIndexes is { } max && failedIndexes > max)
            {
                ctx.Finished = NewCondition("FailureTarget", "MaxFailedIndexesExceeded", "Job has exceeded the specified maximal number of failed indexes", now);
            }
            else if (failedIndexes > 0 && failedIndexes + ctx.SucceededIndexes.Total >= ctx.Completions)
            {
                ctx.Finished = NewCondition("FailureTarget", "FailedIndexes", "Job has failed indexes", now);
            }
        }

        var activeIndexes = ctx.Active.Select(JobPods.CompletionIndex).ToHashSet();
        var delayed = new Dictionary<int, V1Pod>();
        foreach (var pod in ctx.Pods)
        {
            if (!JobPods.HasTrackingFinalizer(pod) || ctx.ExpectedRemovals.Contains(pod.Metadata.Uid) || !ctx.ValidIndex(pod) || !JobPods.IsFailed(pod, job))
            {
                continue;
            }

            var ix = JobPods.CompletionIndex(pod);
            if (ctx.SucceededIndexes.Contains(ix) || ctx.FailedIndexes.Contains(ix) || activeIndexes.Contains(ix))
            {
                continue;
            }

            if (!delayed.TryGetValue(ix, out var last)
                || AbsoluteFailureCount(last) <= AbsoluteFailureCount(pod) && JobPods.FinishedTime(pod) >= JobPods.FinishedTime(last))
            {
                delayed[ix] = pod;
            }
        }

        ctx.DelayedDeletion = delayed;
    }

    private static bool IsIndexFailed(V1Job job, V1Pod pod)
    {
        if (!JobPods.IsFailed(pod, job))
        {
            return false;
        }

        var counted = true;
        if (job.Spec.PodFailurePolicy is { } policy)
        {
            var match = PodFailurePolicies.Evaluate(policy, pod);
            if (match.Action == "FailIndex")
            {
                return true;
            }

            counted = match.CountFailed;
        }

        return counted && JobPods.IndexFailureCount(pod) >= job.Spec.BackoffLimitPerIndex;
    }

    private static int AbsoluteFailureCount(V1Pod pod) => JobPods.IndexFailureCount(pod) + JobPods.IndexIgnoredFailureCount(pod);

    /// <summary>The failure counts a replacement for <paramref name="replaced"/> carries (getNewIndexFailureCounts).</summary>
    private static (int Failures, int Ignored) NextIndexFailureCounts(V1Job job, V1Pod? replaced)
    {
        if (replaced is null)
        {
            return (0, 0);
        }

        var failures = JobPods.IndexFailureCount(replaced);
        var ignored = JobPods.IndexIgnoredFailureCount(replaced);
        return PodFailurePolicies.Evaluate(job.Spec.PodFailurePolicy, replaced).CountFailed ? (failures + 1, ignored) : (failures, ignored + 1);
    }

    /// <summary>For restartPolicy OnFailure, container restarts of running pods count against the backoff limit.</summary>
    private static bool PastBackoffLimitOnFailure(V1Job job, List<V1Pod> pods)
    {
        if (job.Spec.Template?.Spec?.RestartPolicy != "OnFailure")
        {
            return false;
        }

        var restarts = pods.Sum(JobPods.Restarts);
        var limit = job.Spec.BackoffLimit ?? 6;
        return limit == 0 ? restarts > 0 : restarts >= limit;
    }

    private static bool PastActiveDeadline(V1Job job, DateTimeOffset now) =>
        job.Spec.ActiveDeadlineSeconds is { } deadline && job.Status.StartTime is { } start && job.Spec.Suspend != true
        && now - Utc(start) >= TimeSpan.FromSeconds(deadline);

    /// <summary>
    /// spec.successPolicy (matchSuccessPolicy): the first rule whose succeededIndexes (all of them, or at least
    /// succeededCount of them) or plain succeededCount is met.
    /// </summary>
    private static string? SuccessPolicyMatch(V1SuccessPolicy? policy, JobSyncContext ctx)
    {
        if (policy?.Rules is not { } rules || ctx.SucceededIndexes.Total == 0)
        {
            return null;
        }

        for (var i = 0; i < rules.Count; i++)
        {
            var rule = rules[i];
            if (rule.SucceededIndexes is { } text)
            {
                var required = CompletionIndexes.Parse(text, ctx.Completions);
                if (required.Total == 0)
                {
                    continue;
                }

                var have = required.All().Count(ctx.SucceededIndexes.Contains);
                if (rule.SucceededCount is { } count ? have >= count : have == required.Total)
                {
                    return $"Matched rules at index {i}";
                }
            }
            else if (rule.SucceededCount is { } count && ctx.SucceededIndexes.Total >= count)
            {
                return $"Matched rules at index {i}";
            }
        }

        return null;
    }

    /// <summary>
    /// Sets the Suspended condition (True while suspended, False once resumed) and records the change; resuming
    /// restarts the clock for activeDeadlineSeconds by resetting startTime.
    /// </summary>
    private bool UpdateSuspendCondition(V1Job job, bool suspended, DateTimeOffset now)
    {
        var changed = suspended
            ? EnsureCondition(job, "Suspended", "True", "JobSuspended", "Job suspended", now)
            : EnsureCondition(job, "Suspended", "False", "JobResumed", "Job resumed", now);
        if (!changed)
        {
            return false;
        }

        if (suspended)
        {
            _recorder.Event(job, "Normal", "Suspended", "Job suspended");
        }
        else
        {
            _recorder.Event(job, "Normal", "Resumed", "Job resumed");
            job.Status.StartTime = now.UtcDateTime;
        }

        return true;
    }

    /// <summary>
    /// Creates or deletes pods so that the wanted number are active (manageJob): none while suspended, otherwise
    /// parallelism bounded by the completions still missing; creation waits out the failure backoff. Returns the
    /// resulting number of active pods.
    /// </summary>
    private async Task<(int Active, Exception? Error)> ManageJobAsync(string key, JobSyncContext ctx, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var job = ctx.Job;
        var active = ctx.Active.Count;
        if (job.Spec.Suspend == true)
        {
            var (deletedReady, deleted, error) = await DeletePodsAsync(key, job, ctx.Active, removeFinalizer: true, cancellationToken).ConfigureAwait(false);
            ctx.Ready -= deletedReady;
            ctx.Terminating += deleted;
            return (active - deleted, error);
        }

        var parallelism = job.Spec.Parallelism ?? 1;
        int wantActive;
        if (job.Spec.Completions is null)
        {
            // Without completions any success means the work is done: leave running pods alone, start no more.
            wantActive = ctx.Succeeded > 0 ? active : parallelism;
        }
        else
        {
            wantActive = Math.Clamp(ctx.Completions - ctx.Succeeded, 0, parallelism);
        }

        var toDelete = ActivePodsForRemoval(ctx, Math.Max(0, active - wantActive));
        if (toDelete.Count > 0)
        {
            var (deletedReady, deleted, error) = await DeletePodsAsync(key, job, toDelete.Take(MaxPodCreateDeletePerSync).ToList(), removeFinalizer: true, cancellationToken).ConfigureAwait(false);
            ctx.Ready -= deletedReady;
            ctx.Terminating += deleted;

            // Deletion takes precedence: creations wait for the next sync.
            return (active - deleted, error);
        }

        var terminating = JobPods.OnlyReplaceFailedPods(job) ? ctx.Terminating : 0;
        var diff = wantActive - terminating - active;
        if (diff <= 0)
        {
            return (active, null);
        }

        if (!ctx.PerIndexBackoff)
        {
            var remaining = ctx.NewBackoff.RemainingTime(now);
            if (remaining > TimeSpan.Zero)
            {
                ctx.RequeueAfter(remaining);
                return (active, null);
            }
        }

        diff = Math.Min(diff, MaxPodCreateDeletePerSync);
        var indexes = new ConcurrentQueue<int>();
        if (ctx.Indexed)
        {
            foreach (var ix in FirstPendingIndexes(ctx, diff))
            {
                if (ctx.PerIndexBackoff && ctx.DelayedDeletion.TryGetValue(ix, out var lastFailed))
                {
                    // Each index waits out its own backoff, counted from its latest failure.
                    var wait = new BackoffRecord(AbsoluteFailureCount(lastFailed) + 1, JobPods.FinishedTime(lastFailed)).RemainingTime(now);
                    if (wait > TimeSpan.Zero)
                    {
                        ctx.RequeueAfter(wait);
                        continue;
                    }
                }

                indexes.Enqueue(ix);
            }

            diff = indexes.Count;
            if (diff == 0)
            {
                return (active, null);
            }
        }

        Expectations.ExpectCreations(key, diff);
        var template = Objects.Clone(job.Spec.Template ?? new V1PodTemplateSpec());
        template.Spec ??= new V1PodSpec();
        if (ctx.Indexed)
        {
            JobPods.AddCompletionIndexEnv(template.Spec);
        }

        var controllerRef = Objects.ControllerRef(job, "batch/v1", "Job");
        var created = 0;
        var result = await ReplicaSetController<V1Job>.SlowStartBatchAsync(diff, async () =>
        {
            var index = ctx.Indexed && indexes.TryDequeue(out var ix) ? ix : -1;
            var pod = NewPod(job, template, controllerRef, index);
            if (ctx.PerIndexBackoff && index >= 0)
            {
                var (failures, ignored) = NextIndexFailureCounts(job, ctx.DelayedDeletion.GetValueOrDefault(index));
                pod.Metadata.Annotations[JobPods.IndexFailureCountKey] = failures.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (ignored > 0)
                {
                    pod.Metadata.Annotations[JobPods.IndexIgnoredFailureCountKey] = ignored.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            try
            {
                var made = await _podClient.CreateAsync(pod, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref created);
                _recorder.Event(job, "Normal", "SuccessfulCreate", $"Created pod: {made.Metadata.Name}");
            }
            catch (ApiException ex) when (ex.IsNamespaceTerminating)
            {
                // Every later create fails the same way while the namespace goes away; not an error.
                Expectations.CreationSkipped(key);
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException)
            {
                Expectations.CreationSkipped(key);
                _recorder.Event(job, "Warning", "FailedCreate", $"Error creating: {ex.Message}");
                throw;
            }
        }, cancellationToken).ConfigureAwait(false);
        if (result.Skipped > 0)
        {
            Expectations.CreationSkipped(key, result.Skipped);
        }

        return (active + created, result.Error);
    }

    /// <summary>A pod for the job from its template, with the tracking finalizer and, for Indexed jobs, its index.</summary>
    private static V1Pod NewPod(V1Job job, V1PodTemplateSpec template, V1OwnerReference controllerRef, int index)
    {
        var pod = PodTemplates.NewPod(template, job.Metadata.NamespaceProperty, job.Metadata.Name, controllerRef);
        var finalizers = pod.Metadata.Finalizers?.ToList() ?? [];
        if (!finalizers.Contains(JobPods.TrackingFinalizer))
        {
            finalizers.Add(JobPods.TrackingFinalizer);
        }

        pod.Metadata.Finalizers = finalizers;
        if (index >= 0)
        {
            var text = index.ToString(System.Globalization.CultureInfo.InvariantCulture);
            pod.Metadata.Annotations ??= new Dictionary<string, string>();
            pod.Metadata.Annotations[JobPods.CompletionIndexKey] = text;
            pod.Metadata.Labels ??= new Dictionary<string, string>();
            pod.Metadata.Labels[JobPods.CompletionIndexKey] = text;
            pod.Metadata.GenerateName = JobPods.GenerateNameWithIndex(job.Metadata.Name, index);
            pod.Spec.Hostname = $"{job.Metadata.Name}-{text}";
        }

        return pod;
    }

    /// <summary>
    /// The lowest indexes that neither succeeded nor have an active pod (firstPendingIndexes), at most
    /// <paramref name="count"/>.
    /// </summary>
    private static List<int> FirstPendingIndexes(JobSyncContext ctx, int count)
    {
        var taken = new HashSet<int>(ctx.Active.Select(JobPods.CompletionIndex));
        var result = new List<int>();
        for (var ix = 0; ix < ctx.Completions && result.Count < count; ix++)
        {
            if (!taken.Contains(ix) && !ctx.SucceededIndexes.Contains(ix) && !ctx.FailedIndexes.Contains(ix))
            {
                result.Add(ix);
            }
        }

        return result;
    }

    /// <summary>
    /// Active pods to delete (activePodsForRemoval): for Indexed jobs first those with an invalid or repeated
    /// index or an index that already succeeded, then, to reach <paramref name="atLeast"/>, the least valuable by
    /// ReplicaSet ranking.
    /// </summary>
    private static List<V1Pod> ActivePodsForRemoval(JobSyncContext ctx, int atLeast)
    {
        var remove = new List<V1Pod>();
        var left = ctx.Active;
        if (ctx.Indexed)
        {
            left = [];
            foreach (var group in ctx.Active.GroupBy(JobPods.CompletionIndex).OrderBy(g => g.Key))
            {
                var pods = group.ToList();
                if (group.Key < 0 || group.Key >= ctx.Completions || ctx.SucceededIndexes.Contains(group.Key) || ctx.FailedIndexes.Contains(group.Key))
                {
                    remove.AddRange(pods);
                    continue;
                }

                // Keep the most valuable pod of a repeated index.
                var extra = PodDeletionRanking.PodsToDelete(pods, pods.Count - 1);
                remove.AddRange(extra);
                left.AddRange(pods.Except(extra));
            }
        }

        if (remove.Count < atLeast)
        {
            remove.AddRange(PodDeletionRanking.PodsToDelete(left, atLeast - remove.Count));
        }

        return remove;
    }

    /// <summary>
    /// Deletes pods, first removing their tracking finalizer when asked (pods the job gives up on, which must not
    /// count as failed). Returns how many of the deleted pods were ready, how many deletions were issued, and the
    /// first error.
    /// </summary>
    private async Task<(int DeletedReady, int Deleted, Exception? Error)> DeletePodsAsync(string key, V1Job job, List<V1Pod> pods, bool removeFinalizer, CancellationToken cancellationToken)
    {
        if (pods.Count == 0)
        {
            return (0, 0, null);
        }

        Expectations.ExpectDeletions(key, pods.Select(ObjectKey.Of));
        var results = await Task.WhenAll(pods.Select(async pod =>
        {
            try
            {
                if (removeFinalizer && JobPods.HasTrackingFinalizer(pod))
                {
                    await RemoveFinalizerAsync(pod, cancellationToken).ConfigureAwait(false);
                }

                await _podClient.DeleteAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } }, cancellationToken).ConfigureAwait(false);
                _recorder.Event(job, "Normal", "SuccessfulDelete", $"Deleted pod: {pod.Metadata.Name}");
                return (Ready: Pods.IsReady(pod), Deleted: true, Error: (Exception?)null);
            }
            catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
            {
                // Gone (or replaced by a new pod of the same name) already: nothing to wait for.
                Expectations.DeletionObserved(key, ObjectKey.Of(pod));
                return (Ready: Pods.IsReady(pod), Deleted: true, Error: null);
            }
            catch (Exception ex) when (ex is ApiException or HttpRequestException)
            {
                Expectations.DeletionObserved(key, ObjectKey.Of(pod));
                _recorder.Event(job, "Warning", "FailedDelete", $"Error deleting: {ex.Message}");
                return (Ready: false, Deleted: false, Error: ex);
            }
        })).ConfigureAwait(false);
        return (results.Count(r => r.Deleted && r.Ready), results.Count(r => r.Deleted), results.FirstOrDefault(r => r.Error is not null).Error);
    }

    /// <summary>
    /// The pods this job controls (getPodsForJob with ClaimPods): its own pods that still match the selector,
    /// plus matching orphans it adopts (adding the tracking finalizer); its pods that no longer match are
    /// released, their finalizer removed.
    /// </summary>
    private async Task<List<V1Pod>> ClaimPodsAsync(V1Job job, CancellationToken cancellationToken)
    {
        var claimed = new List<V1Pod>();
        var uid = job.Metadata.Uid;
        foreach (var pod in _pods.Indexer.ListNamespace(job.Metadata.NamespaceProperty))
        {
            var controllerRef = Objects.ControllerOf(pod.Metadata);
            var matches = Selectors.Matches(job.Spec.Selector, pod.Metadata.Labels);
            if (controllerRef is not null)
            {
                if (controllerRef.Uid != uid)
                {
                    continue;
                }

                if (matches)
                {
                    claimed.Add(pod);
                }
                else if (job.Metadata.DeletionTimestamp is null)
                {
                    var refs = pod.Metadata.OwnerReferences?.Where(r => r.Uid != uid).ToList() ?? [];
                    await PatchOwnershipAsync(pod, refs, pod.Metadata.Finalizers?.Where(f => f != JobPods.TrackingFinalizer).ToList(), cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            if (!matches || job.Metadata.DeletionTimestamp is not null || pod.Metadata.DeletionTimestamp is not null || IsFinished(job))
            {
                continue;
            }

            var owners = pod.Metadata.OwnerReferences?.ToList() ?? [];
            owners.Add(Objects.ControllerRef(job, "batch/v1", "Job"));
            var finalizers = pod.Metadata.Finalizers?.ToList() ?? [];
            if (!finalizers.Contains(JobPods.TrackingFinalizer))
            {
                finalizers.Add(JobPods.TrackingFinalizer);
            }

            if (await PatchOwnershipAsync(pod, owners, finalizers, cancellationToken).ConfigureAwait(false) is { } adopted)
            {
                claimed.Add(adopted);
            }
        }

        return claimed;
    }

    /// <summary>Sets ownerReferences and finalizers together, guarded by UID and resourceVersion; null if the pod changed or went.</summary>
    private async Task<V1Pod?> PatchOwnershipAsync(V1Pod pod, List<V1OwnerReference> owners, List<string>? finalizers, CancellationToken cancellationToken)
    {
        var patch = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["metadata"] = new Dictionary<string, object?>
            {
                ["ownerReferences"] = owners.Count == 0 ? null : JsonDocument.Parse(KubernetesJson.Serialize(owners)).RootElement,
                ["finalizers"] = finalizers is null || finalizers.Count == 0 ? null : finalizers,
                ["uid"] = pod.Metadata.Uid,
                ["resourceVersion"] = pod.Metadata.ResourceVersion,
            },
        });
        try
        {
            return await _podClient.PatchAsync(pod.Metadata.NamespaceProperty, pod.Metadata.Name, patch, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict || ex.IsInvalid)
        {
            Log.ClaimFailed(_logger, ObjectKey.Of(pod), ex.Message);
            return null;
        }
    }

    internal static V1JobCondition? Condition(V1Job job, string type) => job.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    private static bool HasCondition(V1Job job, string type) => Condition(job, type) is { Status: "True" };

    private static V1JobCondition NewCondition(string type, string reason, string message, DateTimeOffset now) => new()
    {
        Type = type,
        Status = "True",
        Reason = reason,
        Message = message,
        LastProbeTime = now.UtcDateTime,
        LastTransitionTime = now.UtcDateTime,
    };

    /// <summary>
    /// ensureJobConditionStatus: updates a condition whose status, reason or message differ, or adds it unless
    /// it would be False. Returns whether anything changed.
    /// </summary>
    internal static bool EnsureCondition(V1Job job, string type, string status, string reason, string message, DateTimeOffset now)
    {
        job.Status.Conditions ??= [];
        var existing = Condition(job, type);
        if (existing is not null)
        {
            if (existing.Status == status && existing.Reason == reason && existing.Message == message)
            {
                return false;
            }

            var index = job.Status.Conditions.IndexOf(existing);
            job.Status.Conditions[index] = NewCondition(type, reason, message, now);
            job.Status.Conditions[index].Status = status;
            return true;
        }

        if (status == "False")
        {
            return false;
        }

        var added = NewCondition(type, reason, message, now);
        added.Status = status;
        job.Status.Conditions.Add(added);
        return true;
    }

    private static DateTimeOffset Utc(DateTime t) =>
        new(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime());

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "JobPodClaimFailed", Level = LogLevel.Debug, Message = "could not adopt or release pod {Pod}: {Error}")]
        public static partial void ClaimFailed(ILogger logger, string pod, string error);

        [LoggerMessage(EventId = 2, EventName = "JobFinished", Level = LogLevel.Information, Message = "job {Key} finished: {Condition} ({Reason})")]
        public static partial void Finished(ILogger logger, string key, string condition, string reason);
    }
}
