using System.Net;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// The Eviction API and PodDisruptionBudgets in a real <c>skiff server</c>: the disruption controller computes the
/// budget, an eviction that would break it gets 429, and the real <c>kubectl drain</c> cordons the node, retries on
/// 429 and completes once more pods are Ready. The test plays the kubelet: it marks pods Running/Ready and confirms
/// deletions of pods being deleted (gracePeriodSeconds=0).
/// </summary>
public sealed class EvictionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan DrainDeadline = TimeSpan.FromSeconds(150);

    private Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Server.Kubeconfig));

    private static string Node(string name) => $$"""
        apiVersion: v1
        kind: Node
        metadata:
          name: {{name}}
          labels: {kubernetes.io/hostname: {{name}}}
        status:
          capacity: {cpu: "8", memory: 8Gi, pods: "110"}
          allocatable: {cpu: "8", memory: 8Gi, pods: "110"}
        """;

    private const string Budget = """
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata:
          name: web-pdb
        spec:
          minAvailable: 2
          selector:
            matchLabels: {app: web}
        """;

    /// <summary>One kubelet round: bound pods become Running and Ready; pods being deleted are confirmed gone.</summary>
    private static async Task KubeletStepAsync(Kubernetes client, string ns)
    {
        foreach (var pod in (await client.CoreV1.ListNamespacedPodAsync(ns)).Items)
        {
            try
            {
                if (pod.Metadata.DeletionTimestamp is not null)
                {
                    await client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
                }
                else if (!string.IsNullOrEmpty(pod.Spec.NodeName) && pod.Status?.Phase != "Running")
                {
                    pod.Status ??= new V1PodStatus();
                    pod.Status.Phase = "Running";
                    pod.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = DateTime.UtcNow }];
                    await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, pod.Metadata.Name, ns);
                }
            }
            catch (HttpOperationException)
            {
                // Changed or gone meanwhile: the next round sees it again.
            }
        }
    }

    private static async Task<V1PodDisruptionBudget> BudgetAsync(Kubernetes client, string ns) =>
        await client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync("web-pdb", ns);

    [Fact]
    public async Task Drain_BlockedByBudgetWith429_RetriesUntilMorePodsAreReady_ThenCompletes()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        const string ns = "drain";
        await kubectl.OkWithInputAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "create", "-f", "-");
        await kubectl.OkWithInputAsync(Node("drain-a"), "apply", "-f", "-");
        await kubectl.OkWithInputAsync(ControllersTests.Deployment("web", 2, "nginx"), "-n", ns, "create", "-f", "-");
        await kubectl.OkWithInputAsync(Budget, "-n", ns, "create", "-f", "-");

        await ControllersTests.EventuallyAsync(
            async () => (await BudgetAsync(client, ns)).Status is { CurrentHealthy: 2, DesiredHealthy: 2, ExpectedPods: 2, ObservedGeneration: 1 },
            "budget sees 2 healthy pods", () => KubeletStepAsync(client, ns));
        var budget = await BudgetAsync(client, ns);
        Assert.Equal(0, budget.Status.DisruptionsAllowed);
        var condition = Assert.Single(budget.Status.Conditions, c => c.Type == "DisruptionAllowed");
        Assert.Equal(("False", "InsufficientPods"), (condition.Status, condition.Reason));
        Assert.Matches(@"web-pdb\s+2\s+N/A\s+0\s+", await kubectl.OkAsync("-n", ns, "get", "pdb"));

        // The Eviction API refuses with 429 and the budget as the cause.
        var victim = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items[0].Metadata.Name;
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodEvictionAsync(
            new V1Eviction { Metadata = new V1ObjectMeta { Name = victim, NamespaceProperty = ns } }, victim, ns));
        Assert.Equal((HttpStatusCode)429, refused.Response.StatusCode);
        Assert.Contains("Cannot evict pod as it would violate the pod's disruption budget.", refused.Response.Content);
        Assert.Contains("\"reason\":\"DisruptionBudget\"", refused.Response.Content);
        Assert.Contains("The disruption budget web-pdb needs 2 healthy pods and has 2 currently", refused.Response.Content);

        await using var drain = await kubectl.StartAsync("drain", "drain-a", "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=140s");
        await drain.WaitForOutputAsync(@"Cannot evict pod as it would violate the pod's disruption budget\.");
        Assert.Contains("SchedulingDisabled", await kubectl.OkAsync("get", "node", "drain-a"));
        Assert.Equal(2, await ControllersTests.PodCountAsync(client, ns));

        // More capacity: a second node and two more replicas, which become Ready there and make room in the budget.
        await kubectl.OkWithInputAsync(Node("drain-b"), "apply", "-f", "-");
        await kubectl.OkAsync("-n", ns, "scale", "deployment/web", "--replicas=4");
        var until = DateTime.UtcNow + DrainDeadline;
        while (!Regex.IsMatch(drain.Output, "node/drain-a drained"))
        {
            Assert.True(DateTime.UtcNow < until, "kubectl drain did not complete:\n" + drain.Output);
            await KubeletStepAsync(client, ns);
            await Task.Delay(300);
        }

        Assert.Matches(@"evicting pod drain/web-", drain.Output);
        Assert.Matches(@"pod/web-\S+ evicted", drain.Output);
        var pods = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
        Assert.DoesNotContain(pods, p => p.Spec.NodeName == "drain-a");
    }
}
