using k8s;
using k8s.Models;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// Node lifecycle and taint-based eviction in a real <c>skiff server</c> started with short periods
/// (<c>--node-monitor-grace-period 8s --node-monitor-period 1s</c>). No kubelet runs: the test plays two, renewing
/// each node's Lease in kube-node-lease, then stops renewing one and watches with the real kubectl what a user sees.
/// </summary>
public sealed class NodeLifecycleTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private SkiffServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await SkiffServer.StartAsync(null, "--node-monitor-grace-period", "8s", "--node-monitor-period", "1s");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(_server.Kubeconfig));

    private static string Node(string name) => $$"""
        apiVersion: v1
        kind: Node
        metadata:
          name: {{name}}
          labels: {kubernetes.io/hostname: {{name}}}
        status:
          capacity: {cpu: "4", memory: 8Gi, pods: "110"}
          conditions:
          - {type: Ready, status: "True", reason: KubeletReady, message: kubelet is posting ready status, lastHeartbeatTime: "{{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}}", lastTransitionTime: "{{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ}}"}
        ---

        """;

    private static string Pod(string name, string node, string tolerations) => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
        spec:
          nodeName: {{node}}
          {{tolerations}}
          containers:
          - name: c
            image: nginx
        ---

        """;

    /// <summary>Plays a kubelet's heartbeat: creates or renews the node's Lease.</summary>
    private static async Task RenewAsync(Kubernetes client, string node)
    {
        try
        {
            var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync(node, "kube-node-lease");
            lease.Spec.RenewTime = DateTime.UtcNow;
            await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, node, "kube-node-lease");
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            await client.CoordinationV1.CreateNamespacedLeaseAsync(
                new V1Lease
                {
                    Metadata = new V1ObjectMeta { Name = node, NamespaceProperty = "kube-node-lease" },
                    Spec = new V1LeaseSpec { HolderIdentity = node, LeaseDurationSeconds = 40, RenewTime = DateTime.UtcNow },
                },
                "kube-node-lease");
        }
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, Func<string>? diagnostics = null)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail("timed out waiting for " + what + (diagnostics is null ? "" : "\n" + diagnostics()));
            }

            await Task.Delay(250);
        }
    }

    private string ServerLog() => string.Join("\n", _server.Log.Split('\n').TakeLast(60));

    [Fact]
    public async Task LeaseStopsRenewing_NodeBecomesUnknownAndTainted_PodWithShortTolerationEvicted_ForeverTolerantStays()
    {
        var kubectl = new Kubectl(_server.Kubeconfig);
        using var client = Client();
        const string ns = "lifecycle";
        await kubectl.OkWithInputAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "create", "-f", "-");
        await kubectl.OkWithInputAsync(Node("lost-node") + Node("healthy-node"), "apply", "-f", "-");

        using var stopHealthy = new CancellationTokenSource();
        using var stopLost = new CancellationTokenSource();
        async Task HeartbeatAsync(string node, CancellationToken ct)
        {
            while (!ct.IsCancellationRequested)
            {
                await RenewAsync(client, node);
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
            }
        }

        var healthy = Task.Run(() => HeartbeatAsync("healthy-node", stopHealthy.Token));
        var lost = Task.Run(() => HeartbeatAsync("lost-node", stopLost.Token));
        try
        {
            const string shortToleration = """
                tolerations:
                  - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 5}
                  - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 5}
                """;
            const string forever = """
                tolerations:
                  - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute}
                  - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute}
                """;
            await kubectl.OkWithInputAsync(Pod("short", "lost-node", shortToleration) + Pod("forever", "lost-node", forever) + Pod("defaulted", "lost-node", ""), "-n", ns, "apply", "-f", "-");
            await ControllersTests.MakePodsReadyAsync(client, ns);

            // The DefaultTolerationSeconds admission plugin gave the pod without tolerations 300 s for both taints.
            var defaulted = await kubectl.OkAsync("-n", ns, "get", "pod", "defaulted", "-o", "jsonpath={range .spec.tolerations[*]}{.key}={.tolerationSeconds} {end}");
            Assert.Equal("node.kubernetes.io/not-ready=300 node.kubernetes.io/unreachable=300", defaulted.Trim());

            // Several grace periods with heartbeats: both nodes stay Ready and untainted.
            await Task.Delay(TimeSpan.FromSeconds(10));
            var nodes = await kubectl.OkAsync("get", "nodes");
            Assert.Matches(@"lost-node\s+Ready", nodes);
            Assert.DoesNotContain("unreachable", await kubectl.OkAsync("describe", "node", "lost-node"));

            // The kubelet of lost-node dies.
            await stopLost.CancelAsync();
            await lost;
            await EventuallyAsync(
                async () => (await kubectl.OkAsync("describe", "node", "lost-node")).Contains("node.kubernetes.io/unreachable:NoExecute", StringComparison.Ordinal),
                "lost-node tainted unreachable:NoExecute",
                ServerLog);
            var described = await kubectl.OkAsync("describe", "node", "lost-node");
            Assert.Contains("node.kubernetes.io/unreachable:NoSchedule", described);
            Assert.Matches(@"Ready\s+Unknown\s+.*NodeStatusUnknown\s+Kubelet stopped posting node status\.", described);
            Assert.Matches(@"MemoryPressure\s+Unknown", described);
            Assert.Matches(@"lost-node\s+NotReady", await kubectl.OkAsync("get", "nodes"));
            Assert.Matches(@"Taints:\s+<none>", await kubectl.OkAsync("describe", "node", "healthy-node"));

            // The pod tolerating 5 s is deleted after them; the one tolerating forever stays, marked not ready.
            await EventuallyAsync(
                async () => (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.FirstOrDefault(p => p.Metadata.Name == "short") is not { Metadata.DeletionTimestamp: null },
                "pod short deleted by the taint manager",
                ServerLog);
            var events = await kubectl.OkAsync("-n", ns, "get", "events");
            Assert.Contains($"Marking for deletion Pod {ns}/short", events);

            // Past the point where "short" went, "forever" and the 300 s "defaulted" are still there.
            await Task.Delay(TimeSpan.FromSeconds(3));
            var pods = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items;
            var foreverPod = pods.Single(p => p.Metadata.Name == "forever");
            Assert.Null(foreverPod.Metadata.DeletionTimestamp);
            Assert.Equal("False", foreverPod.Status.Conditions.Single(c => c.Type == "Ready").Status);
            Assert.Null(pods.Single(p => p.Metadata.Name == "defaulted").Metadata.DeletionTimestamp);
            Assert.Contains("Node is not ready", await kubectl.OkAsync("-n", ns, "get", "events"));

            // The kubelet comes back: Lease renewed and Ready posted again; the taints go.
            var node = await client.CoreV1.ReadNodeAsync("lost-node");
            var ready = node.Status.Conditions.Single(c => c.Type == "Ready");
            ready.Status = "True";
            ready.Reason = "KubeletReady";
            ready.LastHeartbeatTime = DateTime.UtcNow;
            ready.LastTransitionTime = DateTime.UtcNow;
            await client.CoreV1.ReplaceNodeStatusAsync(node, "lost-node");
            using var stopRevived = new CancellationTokenSource();
            var revived = Task.Run(() => HeartbeatAsync("lost-node", stopRevived.Token));
            await EventuallyAsync(
                async () => !(await kubectl.OkAsync("describe", "node", "lost-node")).Contains("node.kubernetes.io/unreachable", StringComparison.Ordinal),
                "lost-node untainted after it came back",
                ServerLog);
            await stopRevived.CancelAsync();
            await revived;
        }
        finally
        {
            await stopHealthy.CancelAsync();
            await stopLost.CancelAsync();
            await healthy;
        }
    }

    [Fact]
    public async Task CordonedNode_GetsTheUnschedulableTaint_UncordonRemovesIt()
    {
        var kubectl = new Kubectl(_server.Kubeconfig);
        using var client = Client();
        await kubectl.OkWithInputAsync(Node("cordon-me"), "apply", "-f", "-");
        await RenewAsync(client, "cordon-me");
        await kubectl.OkAsync("cordon", "cordon-me");
        await EventuallyAsync(
            async () => (await kubectl.OkAsync("describe", "node", "cordon-me")).Contains("node.kubernetes.io/unschedulable:NoSchedule", StringComparison.Ordinal),
            "unschedulable taint",
            ServerLog);
        await kubectl.OkAsync("uncordon", "cordon-me");
        await EventuallyAsync(
            async () => !(await kubectl.OkAsync("describe", "node", "cordon-me")).Contains("node.kubernetes.io/unschedulable", StringComparison.Ordinal),
            "unschedulable taint removed",
            ServerLog);
    }
}
