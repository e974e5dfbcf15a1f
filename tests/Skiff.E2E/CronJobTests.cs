using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// The CronJob controller inside a real <c>skiff server</c>, driven by the real kubectl; the test plays the
/// kubelet for the jobs' pods (see <see cref="JobTests"/>).
/// </summary>
public sealed partial class CronJobTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Server.Kubeconfig));

    private static string CronJobYaml(string name, string schedule, string extra = "") => $$"""
        apiVersion: batch/v1
        kind: CronJob
        metadata:
          name: {{name}}
        spec:
          schedule: "{{schedule}}"
          {{extra}}
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
                    command: ["sh", "-c", "date"]
        """;

    [GeneratedRegex(@"\s{2,}")]
    private static partial Regex Columns();

    [Fact]
    public async Task EveryMinute_CreatesJobsOnSchedule_AndKeepsTheHistoryLimit()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        const string ns = "cron-schedule";
        await kubectl.OkAsync("create", "namespace", ns);
        await kubectl.OkWithInputAsync(CronJobYaml("tick", "*/1 * * * *", "successfulJobsHistoryLimit: 1"), "-n", ns, "create", "-f", "-");

        // Every job's pod succeeds as soon as it appears; wait for a second scheduled job to complete.
        var seen = new Dictionary<string, V1Job>();
        await JobTests.EventuallyAsync(async () =>
        {
            foreach (var pod in await JobTests.ActivePodsAsync(client, ns))
            {
                await JobTests.FinishPodAsync(client, pod, 0);
            }

            foreach (var job in (await client.BatchV1.ListNamespacedJobAsync(ns)).Items)
            {
                seen[job.Metadata.Name] = job;
            }

            var cj = await client.BatchV1.ReadNamespacedCronJobAsync("tick", ns);
            return seen.Count >= 2 && cj.Status?.LastSuccessfulTime is { } last && last >= cj.Status.LastScheduleTime;
        }, "two scheduled jobs to complete", TimeSpan.FromMinutes(4));

        foreach (var job in seen.Values)
        {
            var match = Regex.Match(job.Metadata.Name, @"^tick-(\d+)$");
            Assert.True(match.Success, job.Metadata.Name);
            var scheduled = DateTimeOffset.Parse(job.Metadata.Annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"], System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(long.Parse(match.Groups[1].Value), scheduled.ToUnixTimeSeconds() / 60);
            Assert.Equal(0, scheduled.Second);
            Assert.Equal("tick", job.Metadata.Labels["app"]);
            Assert.Equal("CronJob", job.Metadata.OwnerReferences.Single().Kind);
        }

        // successfulJobsHistoryLimit 1: older completed jobs are deleted.
        await JobTests.EventuallyAsync(async () => (await client.BatchV1.ListNamespacedJobAsync(ns)).Items.Count(j => j.Status?.Conditions?.Any(c => c.Type == "Complete" && c.Status == "True") == true) == 1, "only one completed job kept");

        var table = await kubectl.OkAsync("-n", ns, "get", "cronjob", "tick");
        var lines = table.TrimEnd().Split('\n');
        Assert.Equal(["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE"], Columns().Split(lines[0].Trim()));
        var row = Columns().Split(lines[1].Trim());
        Assert.Equal(["tick", "*/1 * * * *", "<none>", "False"], row[..4]);
        Assert.Matches(@"^\d+s$|^\dm\d*s?$", row[5]);
        var events = await kubectl.OkAsync("-n", ns, "get", "events", "--field-selector", "involvedObject.kind=CronJob");
        Assert.Contains("Created job tick-", events);
        Assert.Contains("Deleted job tick-", events);
    }

    [Theory]
    [InlineData("1.27")]
    [InlineData("1.33")]
    public async Task CreateJobFromCronJob_CreatesAJobFromTheTemplate(string version)
    {
        var kubectl = fixture.Kubectl(version);
        using var client = Client();
        var ns = "cron-manual-" + version.Replace('.', '-');
        await kubectl.OkAsync("create", "namespace", ns);
        await kubectl.OkWithInputAsync(CronJobYaml("nightly", "0 3 * * *", "timeZone: Europe/Berlin"), "-n", ns, "create", "-f", "-");

        var created = await kubectl.OkAsync("-n", ns, "create", "job", "run-now", "--from=cronjob/nightly");
        Assert.Contains("job.batch/run-now created", created);
        var job = await client.BatchV1.ReadNamespacedJobAsync("run-now", ns);
        Assert.Equal("manual", job.Metadata.Annotations["cronjob.kubernetes.io/instantiate"]);
        Assert.Equal("nightly", job.Metadata.OwnerReferences.Single().Name);
        Assert.Equal("nightly", job.Metadata.Labels["app"]);
        await JobTests.EventuallyAsync(async () => (await JobTests.ActivePodsAsync(client, ns)).Count == 1, "the manual job's pod");

        var row = Columns().Split((await kubectl.OkAsync("-n", ns, "get", "cronjob", "nightly", "--no-headers")).Trim());
        Assert.Equal(["nightly", "0 3 * * *", "Europe/Berlin", "False", "0", "<none>"], row[..6]);
    }

    [Fact]
    public async Task SuspendedCronJob_ShowsSuspendAndCreatesNothing()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        const string ns = "cron-suspended";
        await kubectl.OkAsync("create", "namespace", ns);
        await kubectl.OkWithInputAsync(CronJobYaml("paused", "*/1 * * * *", "suspend: true"), "-n", ns, "create", "-f", "-");
        var row = Columns().Split((await kubectl.OkAsync("-n", ns, "get", "cronjob", "paused", "--no-headers")).Trim());
        Assert.Equal("True", row[3]);

        var bad = await kubectl.RunWithInputAsync(CronJobYaml("badzone", "*/1 * * * *", "timeZone: Mars/Olympus"), "-n", ns, "create", "-f", "-");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("unknown time zone Mars/Olympus", bad.Stderr);
    }
}
