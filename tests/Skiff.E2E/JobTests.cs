using k8s;
using k8s.Models;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// The Job controller inside a real <c>skiff server</c>, driven by the real kubectl. No kubelet runs pods yet:
/// the tests stand in for one by writing pod status (Succeeded or Failed with container exit codes) through the
/// status subresource. Pods stay unscheduled (there is no Node), so a deleted pod is gone once its finalizers are.
/// </summary>
public sealed class JobTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Server.Kubeconfig));

    internal static string JobYaml(string name, string spec) => $$"""
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: {{name}}
        spec:
          {{spec}}
          template:
            spec:
              restartPolicy: Never
              containers:
              - name: work
                image: busybox
                command: ["sh", "-c", "echo done"]
        """;

    private async Task<string> NamespaceAsync(Kubectl kubectl, string name)
    {
        await kubectl.OkAsync("create", "namespace", name);
        return name;
    }

    internal static async Task<List<V1Pod>> ActivePodsAsync(Kubernetes client, string ns, string? selector = null) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector)).Items
            .Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase is not ("Succeeded" or "Failed"))
            .ToList();

    /// <summary>
    /// Plays the kubelet: the pod's container exits with <paramref name="exitCode"/>, so the pod ends Succeeded or
    /// Failed. Reads the pod afresh (the scheduler writes pod status too) and retries on a conflict.
    /// </summary>
    internal static async Task FinishPodAsync(Kubernetes client, V1Pod pod, int exitCode, TimeSpan finishedAgo = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            var live = await client.CoreV1.ReadNamespacedPodAsync(pod.Metadata.Name, pod.Metadata.NamespaceProperty);
            var finished = DateTime.UtcNow - finishedAgo;
            live.Status ??= new V1PodStatus();
            live.Status.Phase = exitCode == 0 ? "Succeeded" : "Failed";
            live.Status.ContainerStatuses =
            [
                new V1ContainerStatus
                {
                    Name = "work",
                    Image = "busybox",
                    ImageID = "",
                    Ready = false,
                    RestartCount = 0,
                    State = new V1ContainerState
                    {
                        Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, Reason = exitCode == 0 ? "Completed" : "Error", StartedAt = finished.AddSeconds(-1), FinishedAt = finished },
                    },
                },
            ];
            try
            {
                await client.CoreV1.ReplaceNamespacedPodStatusAsync(live, live.Metadata.Name, live.Metadata.NamespaceProperty);
                return;
            }
            catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.Conflict && attempt < 10)
            {
            }
        }
    }

    internal static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? Deadline);
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail("timed out waiting for " + what);
            }

            await Task.Delay(200);
        }
    }

    private static V1JobCondition? Condition(V1Job job, string type) => job.Status?.Conditions?.FirstOrDefault(c => c.Type == type);

    [Fact]
    public async Task Completions3Parallelism2_CompletesAsPodsSucceed_AndKubectlWaitSeesIt()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "job-complete");
        await kubectl.OkWithInputAsync(JobYaml("work", "completions: 3\n  parallelism: 2"), "-n", ns, "create", "-f", "-");

        var maxActive = 0;
        var succeeded = new HashSet<string>();
        await EventuallyAsync(async () =>
        {
            var active = await ActivePodsAsync(client, ns);
            maxActive = Math.Max(maxActive, active.Count);
            foreach (var pod in active.Take(1))
            {
                await FinishPodAsync(client, pod, 0);
                succeeded.Add(pod.Metadata.Name);
            }

            return Condition(await client.BatchV1.ReadNamespacedJobAsync("work", ns), "Complete")?.Status == "True";
        }, "the job to complete");

        Assert.Equal(3, succeeded.Count);
        Assert.True(maxActive <= 2, $"saw {maxActive} active pods with parallelism 2");
        var wait = await kubectl.OkAsync("-n", ns, "wait", "--for=condition=complete", "job/work", "--timeout=60s");
        Assert.Contains("job.batch/work condition met", wait);

        var job = await client.BatchV1.ReadNamespacedJobAsync("work", ns);
        Assert.Equal(3, job.Status.Succeeded);
        Assert.Equal("CompletionsReached", Condition(job, "Complete")!.Reason);
        Assert.Equal("True", Condition(job, "SuccessCriteriaMet")?.Status);
        Assert.NotNull(job.Status.CompletionTime);
        Assert.NotNull(job.Status.StartTime);
        Assert.Empty(job.Status.UncountedTerminatedPods?.Succeeded ?? []);

        var row = (await kubectl.OkAsync("-n", ns, "get", "job", "work", "--no-headers")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["work", "Complete", "3/3"], row[..3]);

        // Counted pods no longer hold the tracking finalizer.
        var pods = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items;
        Assert.Equal(3, pods.Count);
        Assert.All(pods, p => Assert.DoesNotContain("batch.kubernetes.io/job-tracking", p.Metadata.Finalizers ?? []));
        Assert.All(pods, p => Assert.Equal("work", p.Metadata.Labels["batch.kubernetes.io/job-name"]));

        var events = await kubectl.OkAsync("-n", ns, "get", "events", "--field-selector", "involvedObject.kind=Job");
        Assert.Contains("Created pod: work-", events);
        Assert.Contains("Completed", events);
    }

    [Fact]
    public async Task BackoffLimit2_FailsAfterThreeFailedPods_WithBackoffLimitExceeded()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "job-backoff");
        await kubectl.OkWithInputAsync(JobYaml("flaky", "backoffLimit: 2"), "-n", ns, "create", "-f", "-");

        var failedPods = new HashSet<string>();
        await EventuallyAsync(async () =>
        {
            foreach (var pod in await ActivePodsAsync(client, ns))
            {
                // Finished long ago, so the controller's backoff (10 s, 20 s) has already passed.
                await FinishPodAsync(client, pod, 1, TimeSpan.FromHours(1));
                failedPods.Add(pod.Metadata.Name);
            }

            return Condition(await client.BatchV1.ReadNamespacedJobAsync("flaky", ns), "Failed")?.Status == "True";
        }, "the job to fail");

        var wait = await kubectl.OkAsync("-n", ns, "wait", "--for=condition=failed", "job/flaky", "--timeout=30s");
        Assert.Contains("condition met", wait);
        var job = await client.BatchV1.ReadNamespacedJobAsync("flaky", ns);
        Assert.Equal(3, failedPods.Count);
        Assert.Equal(3, job.Status.Failed);
        Assert.Equal(0, job.Status.Active);
        var failed = Condition(job, "Failed")!;
        Assert.Equal("BackoffLimitExceeded", failed.Reason);
        Assert.Equal("Job has reached the specified backoff limit", failed.Message);
        Assert.Equal(3, (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count);

        var row = (await kubectl.OkAsync("-n", ns, "get", "job", "flaky", "--no-headers")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["flaky", "Failed", "0/1"], row[..3]);
        var events = await kubectl.OkAsync("-n", ns, "get", "events", "--field-selector", "involvedObject.name=flaky");
        Assert.Contains("Job has reached the specified backoff limit", events);
    }

    [Fact]
    public async Task Indexed_PodsCarryTheirIndexes_AndCompletedIndexesFillUp()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "job-indexed");
        await kubectl.OkWithInputAsync(JobYaml("idx", "completions: 3\n  parallelism: 3\n  completionMode: Indexed"), "-n", ns, "create", "-f", "-");

        List<V1Pod> pods = [];
        await EventuallyAsync(async () => (pods = await ActivePodsAsync(client, ns)).Count == 3, "3 indexed pods");
        var byIndex = pods.ToDictionary(p => p.Metadata.Annotations["batch.kubernetes.io/job-completion-index"]);
        Assert.Equal(["0", "1", "2"], byIndex.Keys.Order());
        foreach (var (index, pod) in byIndex)
        {
            Assert.Equal(index, pod.Metadata.Labels["batch.kubernetes.io/job-completion-index"]);
            Assert.StartsWith($"idx-{index}-", pod.Metadata.Name, StringComparison.Ordinal);
            Assert.Equal($"idx-{index}", pod.Spec.Hostname);
            Assert.Contains(pod.Spec.Containers[0].Env, e => e.Name == "JOB_COMPLETION_INDEX" && e.ValueFrom.FieldRef.FieldPath == "metadata.annotations['batch.kubernetes.io/job-completion-index']");
        }

        var selected = await kubectl.OkAsync("-n", ns, "get", "pods", "-l", "batch.kubernetes.io/job-completion-index=1", "-o", "name");
        Assert.Equal($"pod/{byIndex["1"].Metadata.Name}", selected.Trim());

        await FinishPodAsync(client, byIndex["2"], 0);
        await EventuallyAsync(async () => (await client.BatchV1.ReadNamespacedJobAsync("idx", ns)).Status?.CompletedIndexes == "2", "completedIndexes 2");
        await FinishPodAsync(client, byIndex["0"], 0);
        await FinishPodAsync(client, byIndex["1"], 0);
        await EventuallyAsync(async () => Condition(await client.BatchV1.ReadNamespacedJobAsync("idx", ns), "Complete")?.Status == "True", "the indexed job to complete");
        var job = await client.BatchV1.ReadNamespacedJobAsync("idx", ns);
        Assert.Equal("0-2", job.Status.CompletedIndexes);
        Assert.Equal(3, job.Status.Succeeded);
    }

    [Fact]
    public async Task Suspend_DeletesActivePods_ResumeCreatesThemAgain()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "job-suspend");
        await kubectl.OkWithInputAsync(JobYaml("pausable", "completions: 4\n  parallelism: 2"), "-n", ns, "create", "-f", "-");
        List<V1Pod> first = [];
        await EventuallyAsync(async () => (first = await ActivePodsAsync(client, ns)).Count == 2, "2 pods");

        await kubectl.OkAsync("-n", ns, "patch", "job", "pausable", "--type=merge", "-p", "{\"spec\":{\"suspend\":true}}");
        await EventuallyAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count == 0, "the pods to be deleted");
        await EventuallyAsync(async () =>
        {
            var j = await client.BatchV1.ReadNamespacedJobAsync("pausable", ns);
            return Condition(j, "Suspended")?.Status == "True" && j.Status.Active == 0;
        }, "the Suspended condition");
        var job = await client.BatchV1.ReadNamespacedJobAsync("pausable", ns);
        Assert.Equal("JobSuspended", Condition(job, "Suspended")!.Reason);
        Assert.Null(job.Status.Failed);
        var row = (await kubectl.OkAsync("-n", ns, "get", "job", "pausable", "--no-headers")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Suspended", row[1]);

        await kubectl.OkAsync("-n", ns, "patch", "job", "pausable", "--type=merge", "-p", "{\"spec\":{\"suspend\":false}}");
        List<V1Pod> second = [];
        await EventuallyAsync(async () => (second = await ActivePodsAsync(client, ns)).Count == 2, "2 new pods");
        Assert.Empty(second.Select(p => p.Metadata.Name).Intersect(first.Select(p => p.Metadata.Name)));
        await EventuallyAsync(async () => Condition(await client.BatchV1.ReadNamespacedJobAsync("pausable", ns), "Suspended") is { Status: "False", Reason: "JobResumed" }, "the job to resume");
    }

    [Fact]
    public async Task ActiveDeadline_FailsWithDeadlineExceeded_AndDeletesActivePods()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "job-deadline");
        await kubectl.OkWithInputAsync(JobYaml("slow", "activeDeadlineSeconds: 3\n  parallelism: 2\n  completions: 2"), "-n", ns, "create", "-f", "-");
        await EventuallyAsync(async () => Condition(await client.BatchV1.ReadNamespacedJobAsync("slow", ns), "Failed")?.Status == "True", "the deadline to fail the job");
        var job = await client.BatchV1.ReadNamespacedJobAsync("slow", ns);
        var failed = Condition(job, "Failed")!;
        Assert.Equal(("DeadlineExceeded", "Job was active longer than specified deadline"), (failed.Reason, failed.Message));
        Assert.Equal(0, job.Status.Active);
        Assert.Empty((await client.CoreV1.ListNamespacedPodAsync(ns)).Items);
    }

    [Fact]
    public async Task KubectlCreateJob_GetsKubernetesDefaultsAndGeneratedSelector()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "job-defaults");
        await kubectl.OkAsync("-n", ns, "create", "job", "hello", "--image=busybox", "--", "echo", "hi");

        var job = await client.BatchV1.ReadNamespacedJobAsync("hello", ns);
        var spec = job.Spec;
        Assert.Equal((1, 1, 6, "NonIndexed", false, false, "TerminatingOrFailed"), (spec.Completions, spec.Parallelism, spec.BackoffLimit, spec.CompletionMode, spec.Suspend, spec.ManualSelector, spec.PodReplacementPolicy));
        var uid = job.Metadata.Uid;
        Assert.Equal(new Dictionary<string, string> { ["batch.kubernetes.io/controller-uid"] = uid }, spec.Selector.MatchLabels);
        foreach (var labels in new[] { job.Metadata.Labels, spec.Template.Metadata.Labels })
        {
            Assert.Equal(uid, labels["controller-uid"]);
            Assert.Equal(uid, labels["batch.kubernetes.io/controller-uid"]);
            Assert.Equal("hello", labels["job-name"]);
            Assert.Equal("hello", labels["batch.kubernetes.io/job-name"]);
        }

        await EventuallyAsync(async () => (await ActivePodsAsync(client, ns, "job-name=hello")).Count == 1, "the job's pod");
        await EventuallyAsync(async () => (await client.BatchV1.ReadNamespacedJobAsync("hello", ns)).Status?.Active == 1, "status.active 1");
        var status = (await client.BatchV1.ReadNamespacedJobAsync("hello", ns)).Status;
        Assert.NotNull(status.StartTime);
        Assert.Equal((0, 0), (status.Ready, status.Terminating));
    }

    [Fact]
    public async Task DeletingAJob_RemovesItsPodsDespiteTheirFinalizers()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "job-delete");
        await kubectl.OkWithInputAsync(JobYaml("gone", "parallelism: 2\n  completions: 2"), "-n", ns, "create", "-f", "-");
        await EventuallyAsync(async () => (await ActivePodsAsync(client, ns)).Count == 2, "2 pods");
        Assert.All(await ActivePodsAsync(client, ns), p => Assert.Contains("batch.kubernetes.io/job-tracking", p.Metadata.Finalizers));

        await kubectl.OkAsync("-n", ns, "delete", "job", "gone");
        await EventuallyAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count == 0, "the pods to go with the job");
    }
}
