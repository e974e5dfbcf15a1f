using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.Common;
using Skiff.Controllers.Job;

namespace Skiff.Controllers.Tests.Job;

public sealed class JobControllerTests
{
    private const string Key = "ns/job";
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 10, 0, 0, TimeSpan.Zero));
    private readonly FakeInformer<V1Job> _jobs = new();
    private readonly FakeInformer<V1Pod> _pods = new();
    private readonly FakeResourceClient<V1Job> _jobClient = new(ApiResource.Jobs);
    private readonly FakeResourceClient<V1Pod> _podClient = new(ApiResource.Pods);
    private readonly FakeEventRecorder _events = new();
    private readonly JobController _controller;

    public JobControllerTests()
    {
        _controller = new JobController(_jobs, _pods, _jobClient, _podClient, _events, _time, NullLogger.Instance);
    }

    private V1Job NewJob(int? completions = 1, int parallelism = 1, int backoffLimit = 6, Action<V1JobSpec>? configure = null)
    {
        var uid = Guid.NewGuid().ToString();
        var labels = new Dictionary<string, string> { ["batch.kubernetes.io/controller-uid"] = uid, ["batch.kubernetes.io/job-name"] = "job" };
        var job = new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta { Name = "job", NamespaceProperty = "ns", Uid = uid },
            Spec = new V1JobSpec
            {
                Completions = completions,
                Parallelism = parallelism,
                BackoffLimit = backoffLimit,
                CompletionMode = "NonIndexed",
                Suspend = false,
                PodReplacementPolicy = "TerminatingOrFailed",
                Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["batch.kubernetes.io/controller-uid"] = uid } },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = labels },
                    Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "c", Image = "busybox" }] },
                },
            },
            Status = new V1JobStatus(),
        };
        configure?.Invoke(job.Spec);
        _jobs.Add(_jobClient.Seed(job));
        return job;
    }

    private V1Job Job => _jobClient.Objects.Single();

    private List<V1Pod> PodObjects => [.. _podClient.Objects.OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)];

    /// <summary>Lets the informers catch up with everything written.</summary>
    private void Refresh()
    {
        foreach (var j in _jobClient.Objects)
        {
            _jobs.Add(j);
        }

        foreach (var p in _podClient.Objects)
        {
            _pods.Add(p);
        }

        foreach (var gone in _pods.Indexer.List().Where(p => _podClient.Objects.All(o => o.Metadata.Uid != p.Metadata.Uid)).ToList())
        {
            _pods.Delete(gone);
        }
    }

    /// <summary>Syncs, lets the caches catch up, and returns the requested requeue delay, if any.</summary>
    private async Task<TimeSpan?> SyncAsync()
    {
        try
        {
            await _controller.SyncAsync(Key, CancellationToken.None);
            return null;
        }
        catch (RequeueAfterException requeue)
        {
            return requeue.Delay;
        }
        finally
        {
            Refresh();
        }
    }

    /// <summary>Plays the kubelet: the pod finishes with the exit code, <paramref name="finishedAgo"/> before now.</summary>
    private async Task FinishAsync(V1Pod pod, string phase, int exitCode = 0, TimeSpan finishedAgo = default)
    {
        var live = await _podClient.GetAsync("ns", pod.Metadata.Name, CancellationToken.None);
        live.Status = new V1PodStatus
        {
            Phase = phase,
            ContainerStatuses =
            [
                new V1ContainerStatus
                {
                    Name = "c",
                    Image = "busybox",
                    ImageID = "",
                    Ready = false,
                    State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, FinishedAt = (_time.GetUtcNow() - finishedAgo).UtcDateTime } },
                },
            ],
        };
        await _podClient.UpdateAsync(live, CancellationToken.None, "status");
        Refresh();
    }

    private static V1JobCondition? Condition(V1Job job, string type) => job.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    [Fact]
    public async Task Sync_NewJob_CreatesParallelismPodsWithFinalizerOwnerAndStartTime()
    {
        var job = NewJob(completions: 3, parallelism: 2);
        Assert.Null(await SyncAsync());

        var pods = PodObjects;
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p =>
        {
            Assert.Contains(JobPods.TrackingFinalizer, p.Metadata.Finalizers);
            Assert.StartsWith("job-", p.Metadata.Name, StringComparison.Ordinal);
            var owner = Assert.Single(p.Metadata.OwnerReferences);
            Assert.Equal(("Job", job.Metadata.Uid, true), (owner.Kind, owner.Uid, owner.Controller == true));
            Assert.Equal(job.Metadata.Uid, p.Metadata.Labels["batch.kubernetes.io/controller-uid"]);
        });
        Assert.Equal(2, Job.Status.Active);
        Assert.Equal(_time.GetUtcNow().UtcDateTime, Job.Status.StartTime);
        Assert.Equal(2, _events.Events.Count(e => e.StartsWith("Normal SuccessfulCreate Created pod: job-", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Sync_CreationsNotYetObserved_DoesNotCreateAgain()
    {
        NewJob(completions: 3, parallelism: 2);
        await _controller.SyncAsync(Key, CancellationToken.None);

        // The pod cache has not seen the creations: expectations hold the next sync back.
        foreach (var j in _jobClient.Objects)
        {
            _jobs.Add(j);
        }

        await _controller.SyncAsync(Key, CancellationToken.None);
        Assert.Equal(2, _podClient.Objects.Count);
    }

    [Fact]
    public async Task Sync_PodsSucceed_CountedOnceAndJobCompletes()
    {
        NewJob(completions: 3, parallelism: 2);
        await SyncAsync();
        foreach (var pod in PodObjects)
        {
            await FinishAsync(pod, "Succeeded");
        }

        await SyncAsync();
        var status = Job.Status;
        Assert.Equal(2, status.Succeeded);
        Assert.Empty(status.UncountedTerminatedPods.Succeeded ?? []);
        Assert.Equal(1, status.Active);
        Assert.All(PodObjects.Where(p => p.Status?.Phase == "Succeeded"), p => Assert.DoesNotContain(JobPods.TrackingFinalizer, p.Metadata.Finalizers ?? []));
        Assert.Null(Condition(Job, "Complete"));

        await FinishAsync(PodObjects.Single(p => p.Status?.Phase != "Succeeded"), "Succeeded");
        await SyncAsync();
        var job = Job;
        Assert.Equal(3, job.Status.Succeeded);
        Assert.Equal(0, job.Status.Active);
        Assert.Equal("True", Condition(job, "SuccessCriteriaMet")?.Status);
        var complete = Condition(job, "Complete");
        Assert.Equal(("True", "CompletionsReached", "Reached expected number of succeeded pods"), (complete?.Status, complete?.Reason, complete?.Message));
        Assert.Equal(complete!.LastTransitionTime, job.Status.CompletionTime);
        Assert.Contains("Normal Completed Job completed", _events.Events);
        Assert.Equal(3, _podClient.Objects.Count);
    }

    [Fact]
    public async Task Sync_StalePodCacheAfterFinalizerRemoval_DoesNotCountTwice()
    {
        NewJob(completions: 2, parallelism: 1);
        await SyncAsync();
        await FinishAsync(PodObjects.Single(), "Succeeded");
        var stalePod = _pods.Indexer.List().Single();

        await _controller.SyncAsync(Key, CancellationToken.None);
        Assert.Equal(1, Job.Status.Succeeded);

        // The job cache catches up but the pod cache still shows the finalizer.
        _jobs.Add(Job);
        Assert.Contains(JobPods.TrackingFinalizer, stalePod.Metadata.Finalizers);
        await _controller.SyncAsync(Key, CancellationToken.None);
        Assert.Equal(1, Job.Status.Succeeded);
    }

    [Fact]
    public async Task Sync_JobCacheOlderThanOwnStatusWrite_WaitsInsteadOfRecounting()
    {
        NewJob(completions: 2, parallelism: 2);
        await SyncAsync();
        await FinishAsync(PodObjects[0], "Succeeded");
        var staleJob = _jobs.Indexer.List().Single();

        // Counted and released; the pod cache sees the release but the job cache still shows succeeded 0.
        await _controller.SyncAsync(Key, CancellationToken.None);
        foreach (var pod in _podClient.Objects)
        {
            _pods.Add(pod);
        }

        Assert.Same(staleJob, _jobs.Indexer.List().Single());
        var creates = _podClient.Calls.Count(c => c.StartsWith("create", StringComparison.Ordinal));
        var requeue = await Assert.ThrowsAsync<RequeueAfterException>(() => _controller.SyncAsync(Key, CancellationToken.None));
        Assert.Equal(JobController.StaleCacheDelay, requeue.Delay);
        Assert.Equal(creates, _podClient.Calls.Count(c => c.StartsWith("create", StringComparison.Ordinal)));

        // Counting from the stale status (0 succeeded) would have started a third pod for two completions.
        _jobs.Add(Job);
        await _controller.SyncAsync(Key, CancellationToken.None);
        Assert.Equal(2, _podClient.Objects.Count);
        Assert.Equal((1, 1), (Job.Status.Succeeded, Job.Status.Active));
    }

    [Fact]
    public async Task Sync_FailedPod_WaitsOutExponentialBackoffBeforeReplacing()
    {
        NewJob(completions: 1, parallelism: 1);
        await SyncAsync();
        await FinishAsync(PodObjects.Single(), "Failed", exitCode: 1);

        Assert.Equal(TimeSpan.FromSeconds(10), await SyncAsync());
        Assert.Equal(1, Job.Status.Failed);
        Assert.Equal(0, Job.Status.Active);
        Assert.Single(_podClient.Objects);

        _time.Advance(TimeSpan.FromSeconds(10));
        await SyncAsync();
        Assert.Equal(2, _podClient.Objects.Count);

        await FinishAsync(PodObjects.Single(p => p.Status?.Phase is null), "Failed", exitCode: 1);
        Assert.Equal(TimeSpan.FromSeconds(20), await SyncAsync());
        Assert.Equal(2, Job.Status.Failed);
    }

    [Fact]
    public async Task Sync_FailuresBeyondBackoffLimit_FailJobWithBackoffLimitExceeded()
    {
        NewJob(completions: 1, parallelism: 1, backoffLimit: 1);
        await SyncAsync();
        await FinishAsync(PodObjects.Single(), "Failed", exitCode: 1, finishedAgo: TimeSpan.FromHours(1));
        await SyncAsync();
        Assert.Null(Condition(Job, "Failed"));
        await FinishAsync(PodObjects.Single(p => p.Status?.Phase is null), "Failed", exitCode: 1, finishedAgo: TimeSpan.FromHours(1));
        await SyncAsync();

        var job = Job;
        Assert.Equal(2, job.Status.Failed);
        Assert.Equal("BackoffLimitExceeded", Condition(job, "FailureTarget")?.Reason);
        var failed = Condition(job, "Failed");
        Assert.Equal(("True", "BackoffLimitExceeded", "Job has reached the specified backoff limit"), (failed?.Status, failed?.Reason, failed?.Message));
        Assert.Null(job.Status.CompletionTime);
        Assert.Contains("Warning BackoffLimitExceeded Job has reached the specified backoff limit", _events.Events);

        // Finished: nothing more is created.
        await SyncAsync();
        Assert.Equal(2, _podClient.Objects.Count);
    }

    [Fact]
    public async Task Sync_RestartsUnderOnFailure_CountAgainstBackoffLimit()
    {
        NewJob(backoffLimit: 2, configure: s => s.Template.Spec.RestartPolicy = "OnFailure");
        await SyncAsync();
        var pod = await _podClient.GetAsync("ns", PodObjects.Single().Metadata.Name, CancellationToken.None);
        pod.Status = new V1PodStatus { Phase = "Running", ContainerStatuses = [new V1ContainerStatus { Name = "c", Image = "busybox", ImageID = "", Ready = true, RestartCount = 2 }] };
        await _podClient.UpdateAsync(pod, CancellationToken.None, "status");
        Refresh();

        await SyncAsync();
        Assert.Equal("BackoffLimitExceeded", Condition(Job, "FailureTarget")?.Reason);
        Assert.Contains(_podClient.Calls, c => c.StartsWith("delete ns/job-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sync_ActiveDeadline_RequeuesForItThenDeletesPodsAndFails()
    {
        NewJob(completions: 2, parallelism: 2, configure: s => s.ActiveDeadlineSeconds = 30);
        Assert.Equal(TimeSpan.FromSeconds(30), await SyncAsync());
        Assert.Equal(2, _podClient.Objects.Count);

        _time.Advance(TimeSpan.FromSeconds(30));
        await SyncAsync();
        Assert.Empty(_podClient.Objects);
        Assert.Equal("DeadlineExceeded", Condition(Job, "FailureTarget")?.Reason);

        await SyncAsync();
        var failed = Condition(Job, "Failed");
        Assert.Equal(("DeadlineExceeded", "Job was active longer than specified deadline"), (failed?.Reason, failed?.Message));
        Assert.Equal(2, Job.Status.Failed);
        Assert.Equal(0, Job.Status.Active);
    }

    [Fact]
    public async Task Sync_SuspendThenResume_DeletesPodsUncountedAndResetsStartTime()
    {
        NewJob(completions: 2, parallelism: 2);
        await SyncAsync();
        var started = Job.Status.StartTime;

        var job = Job;
        job.Spec.Suspend = true;
        _jobs.Add(await _jobClient.UpdateAsync(job, CancellationToken.None));
        await SyncAsync();

        Assert.Empty(_podClient.Objects);
        job = Job;
        var suspended = Condition(job, "Suspended");
        Assert.Equal(("True", "JobSuspended", "Job suspended"), (suspended?.Status, suspended?.Reason, suspended?.Message));
        Assert.Equal(0, job.Status.Active);
        Assert.Null(job.Status.Failed);
        Assert.Contains("Normal Suspended Job suspended", _events.Events);

        _time.Advance(TimeSpan.FromMinutes(5));
        job.Spec.Suspend = false;
        _jobs.Add(await _jobClient.UpdateAsync(job, CancellationToken.None));
        await SyncAsync();

        job = Job;
        Assert.Equal(("False", "JobResumed"), (Condition(job, "Suspended")?.Status, Condition(job, "Suspended")?.Reason));
        Assert.NotEqual(started, job.Status.StartTime);
        Assert.Equal(_time.GetUtcNow().UtcDateTime, job.Status.StartTime);
        Assert.Equal(2, _podClient.Objects.Count);
        Assert.Contains("Normal Resumed Job resumed", _events.Events);
    }

    [Fact]
    public async Task Sync_CreatedSuspended_NoPodsNoStartTime()
    {
        NewJob(configure: s => s.Suspend = true);
        await SyncAsync();
        Assert.Empty(_podClient.Objects);
        Assert.Null(Job.Status.StartTime);
        Assert.Equal("True", Condition(Job, "Suspended")?.Status);
    }

    [Fact]
    public async Task Sync_Indexed_OnePodPerIndexWithAnnotationLabelHostnameAndEnv()
    {
        NewJob(completions: 3, parallelism: 3, configure: s => s.CompletionMode = "Indexed");
        await SyncAsync();

        var pods = PodObjects.OrderBy(JobPods.CompletionIndex).ToList();
        Assert.Equal([0, 1, 2], pods.Select(JobPods.CompletionIndex));
        for (var i = 0; i < 3; i++)
        {
            var pod = pods[i];
            Assert.Equal(i.ToString(), pod.Metadata.Annotations[JobPods.CompletionIndexKey]);
            Assert.Equal(i.ToString(), pod.Metadata.Labels[JobPods.CompletionIndexKey]);
            Assert.StartsWith($"job-{i}-", pod.Metadata.Name, StringComparison.Ordinal);
            Assert.Equal($"job-{i}", pod.Spec.Hostname);
            var env = Assert.Single(pod.Spec.Containers[0].Env, e => e.Name == "JOB_COMPLETION_INDEX");
            Assert.Equal("metadata.annotations['batch.kubernetes.io/job-completion-index']", env.ValueFrom.FieldRef.FieldPath);
        }

        await FinishAsync(pods[1], "Succeeded");
        await FinishAsync(pods[2], "Failed", exitCode: 1, finishedAgo: TimeSpan.FromHours(1));
        await SyncAsync();
        var status = Job.Status;
        Assert.Equal("1", status.CompletedIndexes);
        Assert.Equal(1, status.Succeeded);
        Assert.Equal(1, status.Failed);

        // Index 2 is replaced; index 1 is not run again.
        var active = PodObjects.Where(p => p.Status?.Phase is null).Select(JobPods.CompletionIndex).Order().ToList();
        Assert.Equal([0, 2], active);
    }

    [Fact]
    public async Task Sync_BackoffLimitPerIndex_FailsOnlyThatIndexAndThenTheJob()
    {
        NewJob(completions: 2, parallelism: 2, backoffLimit: int.MaxValue, configure: s =>
        {
            s.CompletionMode = "Indexed";
            s.BackoffLimitPerIndex = 1;
        });
        await SyncAsync();
        V1Pod PodOf(int ix) => PodObjects.Single(p => JobPods.CompletionIndex(p) == ix && p.Status?.Phase is null);
        Assert.All(PodObjects, p => Assert.Equal("0", p.Metadata.Annotations[JobPods.IndexFailureCountKey]));

        var firstFailure = PodOf(0);
        await FinishAsync(firstFailure, "Failed", exitCode: 1, finishedAgo: TimeSpan.FromSeconds(4));

        // Index 0 waits out its own 10 s backoff; its failed pod keeps the finalizer meanwhile.
        Assert.Equal(TimeSpan.FromSeconds(6), await SyncAsync());
        Assert.Contains(JobPods.TrackingFinalizer, (await _podClient.GetAsync("ns", firstFailure.Metadata.Name, CancellationToken.None)).Metadata.Finalizers);
        _time.Advance(TimeSpan.FromSeconds(6));
        await SyncAsync();
        Assert.Equal("1", PodOf(0).Metadata.Annotations[JobPods.IndexFailureCountKey]);
        await SyncAsync();
        Assert.Equal(1, Job.Status.Failed);
        Assert.DoesNotContain(JobPods.TrackingFinalizer, (await _podClient.GetAsync("ns", firstFailure.Metadata.Name, CancellationToken.None)).Metadata.Finalizers ?? []);

        await FinishAsync(PodOf(0), "Failed", exitCode: 1, finishedAgo: TimeSpan.FromHours(1));
        await SyncAsync();
        Assert.Equal("0", Job.Status.FailedIndexes);
        Assert.Null(Condition(Job, "Failed"));
        Assert.DoesNotContain(PodObjects, p => JobPods.CompletionIndex(p) == 0 && p.Status?.Phase is null);

        await FinishAsync(PodOf(1), "Succeeded");
        await SyncAsync();
        await SyncAsync();
        var job = Job;
        Assert.Equal(("1", "0"), (job.Status.CompletedIndexes, job.Status.FailedIndexes));
        Assert.Equal(("FailedIndexes", "Job has failed indexes"), (Condition(job, "Failed")?.Reason, Condition(job, "Failed")?.Message));
    }

    [Fact]
    public async Task Sync_PodFailurePolicy_FailJobOnExitCodeAndIgnoreUncounted()
    {
        NewJob(completions: 1, parallelism: 1, configure: s =>
        {
            s.PodReplacementPolicy = "Failed";
            s.PodFailurePolicy = new V1PodFailurePolicy
            {
                Rules =
                [
                    new V1PodFailurePolicyRule { Action = "Ignore", OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { OperatorProperty = "In", Values = [7] } },
                    new V1PodFailurePolicyRule { Action = "FailJob", OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { OperatorProperty = "In", Values = [42] } },
                ],
            };
        });
        await SyncAsync();
        var first = PodObjects.Single();
        await FinishAsync(first, "Failed", exitCode: 7, finishedAgo: TimeSpan.FromHours(1));
        await SyncAsync();
        Assert.Equal(0, Job.Status.Failed ?? 0);
        Assert.Null(Condition(Job, "FailureTarget"));

        await FinishAsync(PodObjects.Single(p => p.Status?.Phase is null), "Failed", exitCode: 42, finishedAgo: TimeSpan.FromHours(1));
        await SyncAsync();
        var failed = Condition(Job, "Failed");
        Assert.Equal("PodFailurePolicy", failed?.Reason);
        Assert.Matches(@"^Container c for pod ns/job-\w+ failed with exit code 42 matching FailJob rule at index 1$", failed?.Message);
    }

    [Fact]
    public async Task Sync_SuccessPolicy_CompletesIndexedJobEarly()
    {
        NewJob(completions: 3, parallelism: 3, configure: s =>
        {
            s.CompletionMode = "Indexed";
            s.SuccessPolicy = new V1SuccessPolicy { Rules = [new V1SuccessPolicyRule { SucceededIndexes = "0" }] };
        });
        await SyncAsync();
        await FinishAsync(PodObjects.Single(p => JobPods.CompletionIndex(p) == 0), "Succeeded");
        await SyncAsync();
        Assert.Single(_podClient.Objects);
        await SyncAsync();
        var complete = Condition(Job, "Complete");
        Assert.Equal(("SuccessPolicy", "Matched rules at index 0"), (complete?.Reason, complete?.Message));
    }

    [Fact]
    public async Task Sync_ParallelismLowered_DeletesExtraPodsWithoutCountingThem()
    {
        NewJob(completions: null, parallelism: 3);
        await SyncAsync();
        var job = Job;
        job.Spec.Parallelism = 1;
        _jobs.Add(await _jobClient.UpdateAsync(job, CancellationToken.None));
        await SyncAsync();

        Assert.Single(_podClient.Objects);
        Assert.Equal(1, Job.Status.Active);
        Assert.Null(Job.Status.Failed);
    }

    [Fact]
    public async Task Handlers_CreatedPodObserved_SatisfiesExpectationsAndEnqueuesJob()
    {
        NewJob(completions: 2, parallelism: 2);
        await _controller.SyncAsync(Key, CancellationToken.None);
        Assert.Equal((2, 0), _controller.Expectations.Pending(Key));

        foreach (var pod in _podClient.Objects)
        {
            _pods.Add(pod);
        }

        Assert.True(_controller.Expectations.Satisfied(Key));
        Assert.Equal(1, _controller.Queue.Length);
    }

    [Fact]
    public async Task Handlers_TrackedPodOfFinishedJob_GoesToTheOrphanQueue()
    {
        NewJob();
        await SyncAsync();
        var job = Job;
        job.Status.Conditions = [new V1JobCondition { Type = "Failed", Status = "True" }];
        _jobs.Add(await _jobClient.UpdateAsync(job, CancellationToken.None, "status"));
        var pod = await _podClient.GetAsync("ns", PodObjects.Single().Metadata.Name, CancellationToken.None);
        pod.Metadata.Labels["touched"] = "yes";
        _pods.Add(await _podClient.UpdateAsync(pod, CancellationToken.None));

        Assert.Equal(1, _controller.OrphanQueue.Length);
        await _controller.SyncOrphanPodAsync(ObjectKeyOf(pod), CancellationToken.None);
        Assert.DoesNotContain(JobPods.TrackingFinalizer, PodObjects.Single().Metadata.Finalizers ?? []);
    }

    [Fact]
    public async Task SyncOrphan_PodOfRunningJob_KeepsFinalizer()
    {
        NewJob();
        await SyncAsync();
        var pod = PodObjects.Single();
        await _controller.SyncOrphanPodAsync(ObjectKeyOf(pod), CancellationToken.None);
        Assert.Contains(JobPods.TrackingFinalizer, PodObjects.Single().Metadata.Finalizers);
    }

    private static string ObjectKeyOf(V1Pod pod) => $"{pod.Metadata.NamespaceProperty}/{pod.Metadata.Name}";

    [Fact]
    public async Task SyncOrphan_PodOfDeletedJob_FinalizerRemoved()
    {
        var pod = _podClient.Seed(new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = "job-abc",
                NamespaceProperty = "ns",
                Finalizers = [JobPods.TrackingFinalizer],
                OwnerReferences = [new V1OwnerReference { ApiVersion = "batch/v1", Kind = "Job", Name = "job", Uid = "gone", Controller = true }],
            },
        });
        _pods.Add(pod);
        Assert.Equal(1, _controller.OrphanQueue.Length);

        await _controller.SyncOrphanPodAsync("ns/job-abc", CancellationToken.None);
        Assert.Null((await _podClient.GetAsync("ns", "job-abc", CancellationToken.None)).Metadata.Finalizers);
    }
}
