using k8s;
using k8s.Models;
using Skiff.E2E.Support;
using static Skiff.E2E.ControllersTests;

namespace Skiff.E2E;

/// <summary>
/// TTL-after-finished against a real <c>skiff server</c>: the Job controller completes the jobs once the test,
/// standing in for the kubelet, lets their pods succeed.
/// </summary>
public sealed class ControllersCleanupTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task FinishedJob_WithTtl_IsDeleted_UnfinishedOrWithoutTtlStays()
    {
        var kubectl = fixture.Kubectl();
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Server.Kubeconfig));
        const string ns = "ctl-ttl";
        await kubectl.OkAsync("create", "namespace", ns);
        static string Job(string name, string ttl) => $$"""
            apiVersion: batch/v1
            kind: Job
            metadata: {name: {{name}}}
            spec:
              {{ttl}}
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: c, image: busybox:1}]
            """;
        await kubectl.OkWithInputAsync(Job("short", "ttlSecondsAfterFinished: 1"), "-n", ns, "create", "-f", "-");
        await kubectl.OkWithInputAsync(Job("running", "ttlSecondsAfterFinished: 0"), "-n", ns, "create", "-f", "-");
        await kubectl.OkWithInputAsync(Job("keep", ""), "-n", ns, "create", "-f", "-");

        // The Job controller finishes the jobs whose pods the test (standing in for the kubelet) lets succeed.
        foreach (var name in new[] { "short", "keep" })
        {
            await EventuallyAsync(async () =>
            {
                foreach (var pod in await JobTests.ActivePodsAsync(client, ns, $"batch.kubernetes.io/job-name={name}"))
                {
                    await JobTests.FinishPodAsync(client, pod, 0);
                }

                var job = (await client.BatchV1.ListNamespacedJobAsync(ns)).Items.FirstOrDefault(j => j.Metadata.Name == name);
                return job is null || job.Status?.Conditions?.Any(c => c.Type == "Complete" && c.Status == "True") == true;
            }, $"job {name} to complete");
        }

        await EventuallyAsync(async () => (await client.BatchV1.ListNamespacedJobAsync(ns)).Items.All(j => j.Metadata.Name != "short"), "the finished job with a TTL deleted");
        var left = (await client.BatchV1.ListNamespacedJobAsync(ns)).Items.Select(j => j.Metadata.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["keep", "running"], left);
    }
}
