using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Job;

internal sealed partial class JobController
{
    /// <summary>
    /// Counts finished pods without losing or doubling any (trackJobStatusAndRemoveFinalizers): their UIDs go
    /// to status.uncountedTerminatedPods first (for Indexed jobs, succeeded indexes go to completedIndexes), then
    /// their tracking finalizers are removed, then they move from the uncounted lists into the counters. A
    /// crash between the steps repeats a step, never the counting. The job gets its terminal condition only once
    /// nothing is left uncounted or terminating.
    /// </summary>
    private async Task TrackStatusAndRemoveFinalizersAsync(string key, JobSyncContext ctx, bool needsFlush, CancellationToken cancellationToken)
    {
        var job = ctx.Job;
        var status = job.Status;
        var uncounted = status.UncountedTerminatedPods ??= new V1UncountedTerminatedPods();
        uncounted.Succeeded ??= [];
        uncounted.Failed ??= [];
        var pods = ctx.Indexed ? ctx.Pods.OrderBy(JobPods.CompletionIndex).ToList() : ctx.Pods;
        var withFinalizer = pods.Where(p => JobPods.HasTrackingFinalizer(p) || ctx.ExpectedRemovals.Contains(p.Metadata.Uid))
            .Select(p => p.Metadata.Uid).ToHashSet(StringComparer.Ordinal);
        needsFlush |= CleanUncounted(status, withFinalizer);

        var toRemove = new List<V1Pod>();
        var newSucceededIndexes = new List<int>();
        var reachedMaxUncounted = false;
        foreach (var pod in pods)
        {
            var uid = pod.Metadata.Uid;
            if (!JobPods.HasTrackingFinalizer(pod) || ctx.ExpectedRemovals.Contains(uid))
            {
                // Counted in an earlier sync.
                continue;
            }

            var failed = JobPods.IsFailed(pod, job);
            if (!(job.Metadata.DeletionTimestamp is not null || ctx.Finished is not null || pod.Status?.Phase == "Succeeded" || failed))
            {
                continue;
            }

            if (failed && job.Metadata.DeletionTimestamp is null && ctx.Finished is null
                && ctx.DelayedDeletion.TryGetValue(JobPods.CompletionIndex(pod), out var delayed) && delayed.Metadata.Uid == uid)
            {
                // Its failure count lives on until a replacement carries it.
                continue;
            }

            toRemove.Add(pod);
            if (pod.Status?.Phase == "Succeeded" && !ctx.UncountedFailed.Contains(uid))
            {
                if (ctx.Indexed)
                {
                    // The index is enough to never count a success twice.
                    var ix = JobPods.CompletionIndex(pod);
                    if (ctx.ValidIndex(pod) && !ctx.PreviousSucceededIndexes.Contains(ix))
                    {
                        newSucceededIndexes.Add(ix);
                        needsFlush = true;
                    }
                }
                else if (!ctx.UncountedSucceeded.Contains(uid))
                {
                    uncounted.Succeeded.Add(uid);
                    needsFlush = true;
                }
            }
            else if (failed || ctx.Finished is { Type: not "SuccessCriteriaMet" })
            {
                // Once the job fails, every pod still around counts as failed.
                if (!ctx.UncountedFailed.Contains(uid) && (!ctx.Indexed || ctx.ValidIndex(pod))
                    && PodFailurePolicies.Evaluate(job.Spec.PodFailurePolicy, pod).CountFailed)
                {
                    uncounted.Failed.Add(uid);
                    needsFlush = true;
                }
            }

            if (newSucceededIndexes.Count + uncounted.Succeeded.Count + uncounted.Failed.Count >= MaxUncountedPods)
            {
                // Keep the status small and let other jobs have a turn; the status update brings this job back.
                reachedMaxUncounted = true;
                break;
            }
        }

        if (ctx.Indexed)
        {
            ctx.SucceededIndexes = ctx.SucceededIndexes.With(newSucceededIndexes);
            var text = ctx.SucceededIndexes.ToString();
            needsFlush |= text != (status.CompletedIndexes ?? "");
            status.Succeeded = ctx.SucceededIndexes.Total;
            status.CompletedIndexes = text;
            if (ctx.PerIndexBackoff)
            {
                var failedText = ctx.FailedIndexes.ToString();
                needsFlush |= failedText != status.FailedIndexes;
                status.FailedIndexes = failedText;
            }
        }

        var now = _timeProvider.GetUtcNow();
        if (ctx.Finished is { Type: "FailureTarget" } target)
        {
            // The interim condition records why before the pods are released; Failed follows once all are counted.
            status.Conditions ??= [];
            status.Conditions.Add(target);
            needsFlush = true;
            ctx.Finished = NewCondition("Failed", target.Reason, target.Message, now);
        }

        if (ctx.Finished is { Type: "SuccessCriteriaMet" } met)
        {
            if (!HasCondition(job, "SuccessCriteriaMet"))
            {
                status.Conditions ??= [];
                status.Conditions.Add(met);
                needsFlush = true;
            }

            ctx.Finished = NewCondition("Complete", met.Reason, met.Message, now);
        }

        // Step 1: record the newly finished pods as uncounted.
        if (needsFlush)
        {
            job = await UpdateStatusAsync(ctx, cancellationToken).ConfigureAwait(false);
            needsFlush = false;
        }

        _backoff[key] = ctx.NewBackoff;

        // Step 2: release them.
        Exception? removeError = null;
        if (toRemove.Count > 0)
        {
            FinalizerExpectations.ExpectRemoval(key, toRemove.Select(p => p.Metadata.Uid));
            var results = await Task.WhenAll(toRemove.Select(async pod =>
            {
                try
                {
                    await RemoveFinalizerAsync(pod, cancellationToken).ConfigureAwait(false);
                    return (Uid: pod.Metadata.Uid, Error: (Exception?)null);
                }
                catch (Exception ex) when (ex is ApiException or HttpRequestException)
                {
                    FinalizerExpectations.RemovalObserved(key, pod.Metadata.Uid);
                    return (Uid: pod.Metadata.Uid, Error: ex);
                }
            })).ConfigureAwait(false);
            foreach (var r in results)
            {
                if (r.Error is null)
                {
                    withFinalizer.Remove(r.Uid);
                }
                else
                {
                    removeError ??= r.Error;
                }
            }
        }

        // Step 3: move released pods from the uncounted lists into the counters.
        needsFlush |= CleanUncounted(job.Status, withFinalizer);
        if (removeError is not null)
        {
            if (needsFlush)
            {
                await UpdateStatusAsync(ctx, cancellationToken).ConfigureAwait(false);
            }

            throw removeError;
        }

        var finished = !reachedMaxUncounted && EnactFinished(ctx, now);
        if (finished || needsFlush)
        {
            job = await UpdateStatusAsync(ctx, cancellationToken).ConfigureAwait(false);
        }

        if (finished && ctx.Finished is { } done)
        {
            Log.Finished(_logger, key, done.Type, done.Reason ?? "");
            if (done.Type == "Complete")
            {
                _recorder.Event(job, "Normal", "Completed", "Job completed");
            }
            else
            {
                _recorder.Event(job, "Warning", done.Reason ?? "Failed", done.Message ?? "");
            }
        }
    }

    /// <summary>Uncounted pods whose finalizer is gone are counted now (cleanUncountedPodsWithoutFinalizers).</summary>
    private static bool CleanUncounted(V1JobStatus status, HashSet<string> withFinalizer)
    {
        var uncounted = status.UncountedTerminatedPods ??= new V1UncountedTerminatedPods();
        var updated = false;
        var succeeded = (uncounted.Succeeded ?? []).Where(withFinalizer.Contains).ToList();
        if (succeeded.Count != (uncounted.Succeeded?.Count ?? 0))
        {
            status.Succeeded = (status.Succeeded ?? 0) + uncounted.Succeeded!.Count - succeeded.Count;
            uncounted.Succeeded = succeeded;
            updated = true;
        }

        var failed = (uncounted.Failed ?? []).Where(withFinalizer.Contains).ToList();
        if (failed.Count != (uncounted.Failed?.Count ?? 0))
        {
            status.Failed = (status.Failed ?? 0) + uncounted.Failed!.Count - failed.Count;
            uncounted.Failed = failed;
            updated = true;
        }

        return updated;
    }

    /// <summary>
    /// Gives the job its terminal condition (enactJobFinished), but only once no pod is left uncounted or
    /// terminating; Complete also sets completionTime.
    /// </summary>
    private static bool EnactFinished(JobSyncContext ctx, DateTimeOffset now)
    {
        if (ctx.Finished is not { } finished)
        {
            return false;
        }

        var uncounted = ctx.Job.Status.UncountedTerminatedPods;
        if ((uncounted?.Succeeded?.Count ?? 0) + (uncounted?.Failed?.Count ?? 0) > 0 || ctx.Terminating > 0)
        {
            return false;
        }

        EnsureCondition(ctx.Job, finished.Type, finished.Status, finished.Reason ?? "", finished.Message ?? "", now);
        if (finished.Type == "Complete")
        {
            ctx.Job.Status.CompletionTime = Condition(ctx.Job, "Complete")!.LastTransitionTime;
        }

        return true;
    }

    /// <summary>Writes the status (PUT with the resourceVersion read, so a stale view fails instead of miscounting).</summary>
    private async Task<V1Job> UpdateStatusAsync(JobSyncContext ctx, CancellationToken cancellationToken)
    {
        var updated = await _jobClient.UpdateAsync(ctx.Job, cancellationToken, "status").ConfigureAwait(false);
        updated.Status ??= new V1JobStatus();
        if (long.TryParse(updated.Metadata.ResourceVersion, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var rv))
        {
            _written[ObjectKey.Of(updated)] = (updated.Metadata.Uid, rv);
        }
        ctx.Job = updated;
        return updated;
    }
}
