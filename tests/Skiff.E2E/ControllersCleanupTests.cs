using k8s;
using k8s.Models;
using Skiff.E2E.Support;
using static Skiff.E2E.ControllersTests;

namespace Skiff.E2E;

/// <summary>
/// TTL-after-finished against a real <c>skiff server</c>. No Job controller runs yet, so the test marks the
/// Job finished through the status subresource, as the Job controller would.
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

        foreach (var name in new[] { "short", "keep" })
        {
            var job = await client.BatchV1.ReadNamespacedJobAsync(name, ns);
            var now = DateTime.UtcNow;
            job.Status ??= new V1JobStatus();
            job.Status.StartTime = now.AddSeconds(-5);
            job.Status.CompletionTime = now;
            job.Status.Succeeded = 1;
            job.Status.Conditions =
            [
                new V1JobCondition { Type = "SuccessCriteriaMet", Status = "True", LastTransitionTime = now },
                new V1JobCondition { Type = "Complete", Status = "True", LastTransitionTime = now },
            ];
            await client.BatchV1.ReplaceNamespacedJobStatusAsync(job, name, ns);
        }

        await EventuallyAsync(async () => (await client.BatchV1.ListNamespacedJobAsync(ns)).Items.All(j => j.Metadata.Name != "short"), "the finished job with a TTL deleted");
        var left = (await client.BatchV1.ListNamespacedJobAsync(ns)).Items.Select(j => j.Metadata.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["keep", "running"], left);
    }
}
