using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// The scheduler inside a real <c>skiff server</c>: nodes are plain Node objects (no node agent), pods are
/// created with the real kubectl, and the scheduler binds them through pods/binding. Tests of this class run
/// one after another on one server; each starts by deleting every node so node counts in messages are its own.
/// </summary>
public sealed class SchedulerTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    private Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Server.Kubeconfig));

    private static string Node(string name, string cpu, string taint = "", string labels = "") => $$"""
        apiVersion: v1
        kind: Node
        metadata:
          name: {{name}}
          labels: {kubernetes.io/hostname: {{name}}{{labels}}}
        spec: {{{taint}}}
        status:
          capacity: {cpu: "{{cpu}}", memory: 8Gi, pods: "110"}
          allocatable: {cpu: "{{cpu}}", memory: 8Gi, pods: "110"}
        ---

        """;

    private static string Pod(string name, string cpu, string extra = "") => $$$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{{name}}}
        spec:
          {{{extra}}}
          containers:
          - name: c
            image: nginx
            resources: {requests: {cpu: "{{{cpu}}}"}}
        ---

        """;

    private async Task<(Kubectl Kubectl, string Ns)> FreshAsync(string ns)
    {
        var kubectl = fixture.Kubectl();
        await kubectl.OkAsync("delete", "nodes", "--all", "--wait=false");
        await kubectl.OkWithInputAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "create", "-f", "-");
        return (kubectl, ns);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail("timed out waiting for " + what);
            }

            await Task.Delay(100);
        }
    }

    private static async Task<string?> NodeOfAsync(Kubernetes client, string ns, string pod) =>
        (await client.CoreV1.ReadNamespacedPodAsync(pod, ns)).Spec.NodeName;

    [Fact]
    public async Task Pods_BoundToFittingNodes_GetPodsWideShowsNode()
    {
        var (kubectl, ns) = await FreshAsync("sched-basic");
        using var client = Client();
        await kubectl.OkWithInputAsync(Node("basic-small", "1") + Node("basic-big", "8"), "apply", "-f", "-");
        await kubectl.OkWithInputAsync(Pod("needs-two", "2") + Pod("tiny", "100m"), "-n", ns, "apply", "-f", "-");

        await EventuallyAsync(async () => await NodeOfAsync(client, ns, "needs-two") is not null && await NodeOfAsync(client, ns, "tiny") is not null, "both pods bound");

        Assert.Equal("basic-big", await NodeOfAsync(client, ns, "needs-two"));
        var wide = await kubectl.OkAsync("-n", ns, "get", "pods", "-o", "wide");
        Assert.Matches(@"needs-two\s+0/1\s+Pending\s+0\s+\S+\s+<none>\s+basic-big", wide);

        var pod = await client.CoreV1.ReadNamespacedPodAsync("needs-two", ns);
        var scheduled = Assert.Single(pod.Status.Conditions, c => c.Type == "PodScheduled");
        Assert.Equal("True", scheduled.Status);
        await EventuallyAsync(async () => (await kubectl.OkAsync("-n", ns, "get", "events")).Contains("Successfully assigned sched-basic/needs-two to basic-big", StringComparison.Ordinal), "the Scheduled event");
    }

    [Fact]
    public async Task Unschedulable_ExactMessage_ThenScheduledWhenNodeAdded()
    {
        var (kubectl, ns) = await FreshAsync("sched-unsched");
        using var client = Client();
        await kubectl.OkWithInputAsync(
            Node("unsched-small", "1") + Node("unsched-gpu-1", "8", "taints: [{key: dedicated, value: gpu, effect: NoSchedule}]") + Node("unsched-gpu-2", "8", "taints: [{key: dedicated, value: gpu, effect: NoSchedule}]"),
            "apply", "-f", "-");
        await kubectl.OkWithInputAsync(Pod("waiting", "2"), "-n", ns, "apply", "-f", "-");

        const string expected = "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {dedicated: gpu}. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.";
        V1PodCondition? condition = null;
        await EventuallyAsync(async () =>
        {
            var pod = await client.CoreV1.ReadNamespacedPodAsync("waiting", ns);
            condition = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
            return condition?.Status == "False";
        }, "PodScheduled=False");
        Assert.Equal("Unschedulable", condition!.Reason);
        Assert.Equal(expected, condition.Message);

        var describe = await kubectl.OkAsync("-n", ns, "describe", "pod", "waiting");
        Assert.Contains("FailedScheduling", describe);
        Assert.Contains("0/3 nodes are available: 1 Insufficient cpu", describe);

        // A new node that fits is a cluster event: the pod is retried without polling and lands there.
        await kubectl.OkWithInputAsync(Node("unsched-new", "4"), "apply", "-f", "-");
        await EventuallyAsync(async () => await NodeOfAsync(client, ns, "waiting") == "unsched-new", "the pod bound to the new node");
    }

    [Fact]
    public async Task Cordon_AffinityAndOtherSchedulers_AreRespected()
    {
        var (kubectl, ns) = await FreshAsync("sched-rules");
        using var client = Client();
        await kubectl.OkWithInputAsync(Node("rules-a", "4", labels: ", zone: a") + Node("rules-b", "4", labels: ", zone: b"), "apply", "-f", "-");
        await kubectl.OkAsync("cordon", "rules-b");
        await kubectl.OkWithInputAsync(
            Pod("to-a", "100m") + Pod("wants-b", "100m", "nodeSelector: {zone: b}") + Pod("not-mine", "100m", "schedulerName: someone-else"),
            "-n", ns, "apply", "-f", "-");

        await EventuallyAsync(async () => await NodeOfAsync(client, ns, "to-a") == "rules-a", "to-a on the uncordoned node");
        await EventuallyAsync(async () =>
            (await client.CoreV1.ReadNamespacedPodAsync("wants-b", ns)).Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Message == "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.") == true,
            "wants-b unschedulable with upstream's message");

        await kubectl.OkAsync("uncordon", "rules-b");
        await EventuallyAsync(async () => await NodeOfAsync(client, ns, "wants-b") == "rules-b", "wants-b bound after uncordon");

        var notMine = await client.CoreV1.ReadNamespacedPodAsync("not-mine", ns);
        Assert.Null(notMine.Spec.NodeName);
        Assert.DoesNotContain(notMine.Status?.Conditions ?? [], c => c.Type == "PodScheduled");
    }

    [Fact]
    public async Task Preemption_HigherPriorityPodEvictsLowerPriorityVictim()
    {
        var (kubectl, ns) = await FreshAsync("sched-preempt");
        using var client = Client();
        await kubectl.OkWithInputAsync(Node("preempt-only", "2"), "apply", "-f", "-");

        // No kubelet confirms graceful deletion here, so the victim asks for none.
        await kubectl.OkWithInputAsync(Pod("victim", "1500m", "terminationGracePeriodSeconds: 0"), "-n", ns, "apply", "-f", "-");
        await EventuallyAsync(async () => await NodeOfAsync(client, ns, "victim") == "preempt-only", "the victim bound");

        await kubectl.OkWithInputAsync(Pod("urgent", "1500m", "priorityClassName: system-cluster-critical"), "-n", ns, "apply", "-f", "-");
        await EventuallyAsync(async () => await NodeOfAsync(client, ns, "urgent") == "preempt-only", "the urgent pod bound after preemption");
        var remaining = await client.CoreV1.ListNamespacedPodAsync(ns);
        Assert.DoesNotContain(remaining.Items, p => p.Metadata.Name == "victim");
    }

    [Fact]
    public async Task Binding_Subresource_SetsNodeOnce_ThenConflict()
    {
        var (kubectl, ns) = await FreshAsync("sched-binding");
        using var client = Client();
        await kubectl.OkWithInputAsync(Pod("manual", "100m", "schedulerName: manual"), "-n", ns, "apply", "-f", "-");
        var binding = new V1Binding { Metadata = new V1ObjectMeta { Name = "manual" }, Target = new V1ObjectReference { Kind = "Node", Name = "somewhere" } };

        await client.CoreV1.CreateNamespacedPodBindingAsync(binding, "manual", ns);
        Assert.Equal("somewhere", await NodeOfAsync(client, ns, "manual"));

        binding.Target.Name = "elsewhere";
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.CreateNamespacedPodBindingAsync(binding, "manual", ns));
        Assert.Equal(HttpStatusCode.Conflict, ex.Response.StatusCode);
        Assert.Contains("pod manual is already assigned to node \\\"somewhere\\\"", ex.Response.Content, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LeaderElection_HoldsKubeSchedulerLease()
    {
        using var client = Client();
        V1Lease? lease = null;
        await EventuallyAsync(async () =>
        {
            try
            {
                lease = await client.CoordinationV1.ReadNamespacedLeaseAsync("kube-scheduler", "kube-system");
                return !string.IsNullOrEmpty(lease.Spec?.HolderIdentity);
            }
            catch (HttpOperationException)
            {
                return false;
            }
        }, "the kube-scheduler lease");
        Assert.NotNull(lease);
    }
}
