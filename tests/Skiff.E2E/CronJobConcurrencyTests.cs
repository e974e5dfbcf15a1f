using k8s;
using k8s.Models;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// concurrencyPolicy Allow, Forbid and Replace side by side in a real <c>skiff server</c>: three every-minute
/// CronJobs whose jobs never finish (no node runs their pods), watched over two schedule times. A class of its own
/// so its two minutes of waiting overlap with the other E2E classes.
/// </summary>
public sealed class CronJobConcurrencyTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static string CronJobYaml(string name, string policy) => $$"""
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: {{name}}
        spec:
          schedule: "*/1 * * * *"
          concurrencyPolicy: {{policy}}
          jobTemplate:
            metadata:
              labels: {app: {{name}}}
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers:
                  - name: work
                    image: busybox
                    command: ["sleep", "3600"]
        """;

    [Fact]
    public async Task OverTwoSchedules_AllowRunsBoth_ForbidSkipsTheSecond_ReplaceSwapsTheFirstForTheSecond()
    {
        var kubectl = fixture.Kubectl();
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Server.Kubeconfig));
        const string ns = "cron-concurrency";
        await kubectl.OkAsync("create", "namespace", ns);
        foreach (var (name, policy) in new[] { ("allow", "Allow"), ("forbid", "Forbid"), ("replace", "Replace") })
        {
            await kubectl.OkWithInputAsync(CronJobYaml(name, policy), "-n", ns, "create", "-f", "-");
        }

        async Task<List<V1Job>> JobsOf(string name) =>
            (await client.BatchV1.ListNamespacedJobAsync(ns, labelSelector: "app=" + name)).Items.Where(j => j.Metadata.DeletionTimestamp is null).ToList();

        // The first schedule: each CronJob starts one job.
        string? firstReplaceJob = null;
        await JobTests.EventuallyAsync(async () =>
        {
            var replace = await JobsOf("replace");
            firstReplaceJob ??= replace.FirstOrDefault()?.Metadata.Name;
            return (await JobsOf("allow")).Count >= 1 && (await JobsOf("forbid")).Count >= 1 && firstReplaceJob is not null;
        }, "each CronJob's first job", TimeSpan.FromMinutes(3));

        // The second schedule, a minute later: Allow runs a second job beside the first one, which is still running.
        await JobTests.EventuallyAsync(async () => (await JobsOf("allow")).Count == 2, "Allow's second job", TimeSpan.FromMinutes(3));

        // Replace deletes its running job and starts the new one; the job names carry the scheduled minute.
        await JobTests.EventuallyAsync(async () =>
        {
            var jobs = await JobsOf("replace");
            return jobs.Count == 1 && jobs[0].Metadata.Name != firstReplaceJob;
        }, "Replace to swap its job", TimeSpan.FromMinutes(2));
        var replaced = (await JobsOf("replace")).Single().Metadata.Name;
        Assert.True(long.Parse(replaced["replace-".Length..]) > long.Parse(firstReplaceJob!["replace-".Length..]), $"{replaced} should be scheduled after {firstReplaceJob}");

        // Forbid skips the run while its first job is active, and says so in an event.
        await JobTests.EventuallyAsync(async () =>
            (await kubectl.OkAsync("-n", ns, "get", "events", "--field-selector", "involvedObject.name=forbid")).Contains("JobAlreadyActive", StringComparison.Ordinal),
            "Forbid's JobAlreadyActive event", TimeSpan.FromMinutes(2));
        Assert.Single(await JobsOf("forbid"));

        // kubectl shows the running jobs in ACTIVE.
        var rows = (await kubectl.OkAsync("-n", ns, "get", "cronjobs", "--no-headers")).Trim().Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(c => c[0]);
        // NAME SCHEDULE(5 fields) TIMEZONE SUSPEND ACTIVE ...
        // (Allow may have started a third job meanwhile if a minute boundary passed since its second.)
        Assert.True(int.Parse(rows["allow"][8], System.Globalization.CultureInfo.InvariantCulture) >= 2, string.Join(' ', rows["allow"]));
        Assert.Equal("1", rows["forbid"][8]);
        Assert.Equal("1", rows["replace"][8]);
    }
}
