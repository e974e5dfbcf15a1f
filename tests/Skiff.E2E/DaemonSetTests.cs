using k8s;
using k8s.Models;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// The DaemonSet controller inside a real <c>skiff server</c>, driven by the real kubectl. Nodes are plain Node
/// objects and no kubelet runs: the test makes pods Running/Ready and completes graceful deletions itself.
/// </summary>
public sealed class DaemonSetTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Server.Kubeconfig));

    private static string Node(string name, string labels = "", string spec = "") => $$"""
        apiVersion: v1
        kind: Node
        metadata:
          name: {{name}}
          labels: {kubernetes.io/hostname: {{name}}{{labels}}}
        spec: {{{spec}}}
        status:
          capacity: {cpu: "4", memory: 8Gi, pods: "110"}
          allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
        ---

        """;

    private static string DaemonSet(string name, string image, string role) => $$"""
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: {{name}}
        spec:
          selector:
            matchLabels: {app: {{name}}}
          template:
            metadata:
              labels: {app: {{name}}}
            spec:
              nodeSelector: {role: {{role}}}
              tolerations: [{key: dedicated, value: agent, effect: NoSchedule}]
              containers:
              - name: c
                image: {{image}}
        """;

    /// <summary>Plays the kubelet: pending pods become Running and Ready, and pods being deleted are removed for good.</summary>
    internal static async Task KubeletStepAsync(Kubernetes client, string ns)
    {
        await ControllersTests.MakePodsReadyAsync(client, ns);
        foreach (var pod in (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Where(p => p.Metadata.DeletionTimestamp is not null))
        {
            try
            {
                await client.CoreV1.DeleteNamespacedPodAsync(pod.Metadata.Name, ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
            }
            catch (k8s.Autorest.HttpOperationException)
            {
            }
        }
    }

    /// <summary>The node a daemon pod is pinned to, bound or not yet.</summary>
    private static string TargetNode(V1Pod pod) =>
        pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchFields[0].Values[0];

    private static async Task<List<V1Pod>> LivePodsAsync(Kubernetes client, string ns) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();

    [Fact]
    public async Task DaemonSet_OnePodPerEligibleNode_FollowsNodes_RollsUpdate_AndUndoes()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        const string ns = "ds-agent";
        await kubectl.OkWithInputAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "create", "-f", "-");
        await kubectl.OkWithInputAsync(
            Node("ds-a", ", role: agent") +
            Node("ds-b", ", role: agent") +
            Node("ds-tainted", ", role: agent", "taints: [{key: dedicated, value: db, effect: NoSchedule}]") +
            Node("ds-cordoned", ", role: agent", "unschedulable: true") +
            Node("ds-tolerated", ", role: agent", "taints: [{key: dedicated, value: agent, effect: NoSchedule}]") +
            Node("ds-other", ", role: web"),
            "apply", "-f", "-");
        await kubectl.OkWithInputAsync(DaemonSet("agent", "nginx:1", "agent"), "-n", ns, "create", "-f", "-");

        // a, b, the cordoned node (daemon pods tolerate unschedulable) and the node whose taint the template
        // tolerates; not the node with another taint, not the other role.
        string[] eligible = ["ds-a", "ds-b", "ds-cordoned", "ds-tolerated"];
        await ControllersTests.EventuallyAsync(async () =>
        {
            var pods = await LivePodsAsync(client, ns);
            var ds = await client.AppsV1.ReadNamespacedDaemonSetAsync("agent", ns);
            return pods.Select(p => p.Spec.NodeName).Order().SequenceEqual(eligible) && ds.Status.NumberReady == 4 && ds.Status.DesiredNumberScheduled == 4;
        }, "one ready pod on each eligible node", () => KubeletStepAsync(client, ns));

        var pod = (await LivePodsAsync(client, ns)).First();
        Assert.Contains(pod.Spec.Tolerations, t => t.Key == "node.kubernetes.io/not-ready" && t.Effect == "NoExecute" && t.OperatorProperty == "Exists" && t.TolerationSeconds is null);
        Assert.Contains(pod.Spec.Tolerations, t => t.Key == "node.kubernetes.io/unschedulable" && t.Effect == "NoSchedule");
        var field = pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms.Single().MatchFields.Single();
        Assert.Equal(("metadata.name", "In", pod.Spec.NodeName), (field.Key, field.OperatorProperty, field.Values.Single()));
        Assert.True(pod.Metadata.Labels.ContainsKey("controller-revision-hash"));

        var table = await kubectl.OkAsync("-n", ns, "get", "daemonset", "agent");
        Assert.Matches(@"agent\s+4\s+4\s+4\s+4\s+4\s", table);

        // A new eligible node gets a pod; a node that loses the label loses its pod.
        await kubectl.OkWithInputAsync(Node("ds-new", ", role: agent"), "apply", "-f", "-");
        await kubectl.OkAsync("label", "node", "ds-b", "role-");
        string[] after = ["ds-a", "ds-cordoned", "ds-new", "ds-tolerated"];
        await ControllersTests.EventuallyAsync(async () =>
        {
            var pods = await LivePodsAsync(client, ns);
            return pods.Select(p => p.Spec.NodeName).Order().SequenceEqual(after) && (await client.AppsV1.ReadNamespacedDaemonSetAsync("agent", ns)).Status.NumberAvailable == 4;
        }, "pods following the nodes", () => KubeletStepAsync(client, ns));

        // A template change rolls node by node (maxUnavailable 1); rollout status waits for it.
        await kubectl.OkAsync("-n", ns, "annotate", "daemonset/agent", "kubernetes.io/change-cause=bump to nginx:2");
        await kubectl.OkAsync("-n", ns, "set", "image", "daemonset/agent", "c=nginx:2");
        await ControllersTests.EventuallyAsync(async () =>
        {
            var pods = await LivePodsAsync(client, ns);
            var ds = await client.AppsV1.ReadNamespacedDaemonSetAsync("agent", ns);
            return pods.Count == 4 && pods.All(p => p.Spec.Containers[0].Image == "nginx:2") && ds.Status.UpdatedNumberScheduled == 4 && ds.Status.NumberAvailable == 4;
        }, "the rollout to nginx:2", () => KubeletStepAsync(client, ns));
        Assert.Contains("successfully rolled out", await kubectl.OkAsync("-n", ns, "rollout", "status", "daemonset/agent", "--timeout=60s"));

        var history = await kubectl.OkAsync("-n", ns, "rollout", "history", "daemonset/agent");
        Assert.Matches(@"(?m)^1\s", history);
        Assert.Matches(@"(?m)^2\s+bump to nginx:2", history);
        Assert.Equal(2, (await client.AppsV1.ListNamespacedControllerRevisionAsync(ns)).Items.Count);

        // Undo applies revision 1's template again; that revision becomes number 3.
        await kubectl.OkAsync("-n", ns, "rollout", "undo", "daemonset/agent");
        await ControllersTests.EventuallyAsync(async () =>
        {
            var pods = await LivePodsAsync(client, ns);
            var ds = await client.AppsV1.ReadNamespacedDaemonSetAsync("agent", ns);
            return ds.Spec.Template.Spec.Containers[0].Image == "nginx:1" && pods.Count == 4 && pods.All(p => p.Spec.Containers[0].Image == "nginx:1") &&
                ds.Status.UpdatedNumberScheduled == 4 && ds.Status.NumberAvailable == 4 && ds.Status.ObservedGeneration == ds.Metadata.Generation;
        }, "the rollback to nginx:1", () => KubeletStepAsync(client, ns));
        var revisions = (await client.AppsV1.ListNamespacedControllerRevisionAsync(ns)).Items;
        Assert.Equal([2L, 3L], revisions.Select(r => r.Revision).Order());
        Assert.Contains("nginx:1", KubernetesJson.Serialize(revisions.Single(r => r.Revision == 3).Data));

        var events = await kubectl.OkAsync("-n", ns, "get", "events", "--field-selector", "involvedObject.kind=DaemonSet");
        Assert.Contains("SuccessfulCreate", events);
        Assert.Contains("SuccessfulDelete", events);
    }

    [Fact]
    public async Task DaemonSet_OnDelete_KeepsOldPodsUntilDeleted_AndMaxSurgeStartsNewBesideOld()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        const string ns = "ds-strategies";
        await kubectl.OkWithInputAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "create", "-f", "-");
        await kubectl.OkWithInputAsync(Node("dss-a", ", role: strat") + Node("dss-b", ", role: strat"), "apply", "-f", "-");
        var manifest = DaemonSet("od", "nginx:1", "strat").Replace("  selector:", "  updateStrategy: {type: OnDelete}\n  selector:");
        await kubectl.OkWithInputAsync(manifest, "-n", ns, "create", "-f", "-");
        await ControllersTests.EventuallyAsync(async () => (await client.AppsV1.ReadNamespacedDaemonSetAsync("od", ns)).Status.NumberAvailable == 2, "2 available", () => KubeletStepAsync(client, ns));

        await kubectl.OkAsync("-n", ns, "set", "image", "daemonset/od", "c=nginx:2");
        await ControllersTests.EventuallyAsync(async () =>
        {
            var ds = await client.AppsV1.ReadNamespacedDaemonSetAsync("od", ns);
            return ds.Status.ObservedGeneration == ds.Metadata.Generation && ds.Status.UpdatedNumberScheduled == 0;
        }, "the new generation observed with no pod updated");
        await Task.Delay(1000);
        Assert.All(await LivePodsAsync(client, ns), p => Assert.Equal("nginx:1", p.Spec.Containers[0].Image));

        // Deleting one pod brings it back at the new template; the other stays old.
        var victim = (await LivePodsAsync(client, ns)).Single(p => TargetNode(p) == "dss-a");
        await client.CoreV1.DeleteNamespacedPodAsync(victim.Metadata.Name, ns, new V1DeleteOptions { GracePeriodSeconds = 0 });
        await ControllersTests.EventuallyAsync(async () =>
        {
            var pods = await LivePodsAsync(client, ns);
            // By the pinned node: the new pod may not be bound yet.
            var images = pods.OrderBy(TargetNode, StringComparer.Ordinal).Select(p => (TargetNode(p), p.Spec.Containers[0].Image));
            return images.SequenceEqual([("dss-a", "nginx:2"), ("dss-b", "nginx:1")]) &&
                (await client.AppsV1.ReadNamespacedDaemonSetAsync("od", ns)).Status.NumberAvailable == 2;
        }, "only the deleted pod replaced at nginx:2, and available", () => KubeletStepAsync(client, ns));

        // Both old pods are available now. (An unavailable old pod may be replaced at once without counting
        // against maxSurge, as in Kubernetes, which would allow a fourth pod below.)

        // maxSurge: the new pod starts beside the old one, which goes only once the new one is available.
        await kubectl.OkAsync("-n", ns, "patch", "daemonset/od", "--type=merge", "-p", """{"spec":{"updateStrategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":0}},"template":{"spec":{"containers":[{"name":"c","image":"nginx:3"}]}}}}""");
        var sawBoth = false;
        async Task ObserveThenStepAsync()
        {
            // Looked at before the kubelet step makes the new pod ready (after which the old one goes at once).
            var pods = await LivePodsAsync(client, ns);
            sawBoth |= pods.GroupBy(TargetNode).Any(g => g.Count() == 2);
            Assert.True(pods.Count <= 3, $"{pods.Count} pods with maxSurge 1 on 2 nodes: " +
                string.Join("; ", pods.Select(p => $"{p.Metadata.Name} {TargetNode(p)} {p.Spec.NodeName} {p.Spec.Containers[0].Image} {p.Metadata.Labels["controller-revision-hash"]} {p.Status?.Phase} {p.Metadata.CreationTimestamp:HH:mm:ss.fff}")));
            await KubeletStepAsync(client, ns);
        }

        await ControllersTests.EventuallyAsync(async () =>
        {
            var pods = await LivePodsAsync(client, ns);
            return pods.Count == 2 && pods.All(p => p.Spec.Containers[0].Image == "nginx:3") && (await client.AppsV1.ReadNamespacedDaemonSetAsync("od", ns)).Status.NumberAvailable == 2;
        }, "the surge rollout to nginx:3", ObserveThenStepAsync);
        Assert.True(sawBoth, "never saw an old and a new pod on one node");
    }
}
