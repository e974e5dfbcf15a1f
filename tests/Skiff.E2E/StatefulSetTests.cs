using k8s;
using k8s.Models;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// The StatefulSet controller inside a real <c>skiff server</c>, driven by the real kubectl. There are no nodes,
/// so pods stay unscheduled (and are removed at once when deleted); the test makes them Running/Ready itself.
/// </summary>
public sealed class StatefulSetTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Server.Kubeconfig));

    private static string StatefulSet(string name, int replicas, string image, string extra = "") => $$"""
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: {{name}}
        spec:
          serviceName: {{name}}
          replicas: {{replicas}}
          {{extra}}
          selector:
            matchLabels: {app: {{name}}}
          template:
            metadata:
              labels: {app: {{name}}}
            spec:
              containers:
              - name: c
                image: {{image}}
                volumeMounts: [{name: www, mountPath: /data}]
          volumeClaimTemplates:
          - metadata: {name: www}
            spec:
              accessModes: [ReadWriteOnce]
              resources:
                requests: {storage: 1Gi}
        """;

    private async Task<string> NamespaceAsync(Kubectl kubectl, string ns)
    {
        await kubectl.OkWithInputAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "create", "-f", "-");
        return ns;
    }

    private static async Task<Dictionary<string, V1Pod>> PodsAsync(Kubernetes client, string ns) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.ToDictionary(p => p.Metadata.Name);

    private static async Task MakeReadyAsync(Kubernetes client, string ns, string name)
    {
        var pod = await client.CoreV1.ReadNamespacedPodAsync(name, ns);
        pod.Status.Phase = "Running";
        pod.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = DateTime.UtcNow.AddMinutes(-1) }];
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, name, ns);
    }

    private static string Image(V1Pod pod) => pod.Spec.Containers[0].Image;

    [Fact]
    public async Task OrderedReady_CreatesInOrder_WithClaims_ScalesDownInReverse_KeepsClaims_AndRollsAboveThePartition()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "sts-ordered");
        await kubectl.OkWithInputAsync(StatefulSet("web", 3, "nginx:1"), "-n", ns, "create", "-f", "-");

        // Each ordinal appears only once the one before it is Running and Ready.
        for (var i = 0; i < 3; i++)
        {
            var name = $"web-{i}";
            await ControllersTests.EventuallyAsync(async () => (await PodsAsync(client, ns)).ContainsKey(name), name + " created");
            await Task.Delay(1500);
            var pods = await PodsAsync(client, ns);
            Assert.Equal(Enumerable.Range(0, i + 1).Select(o => $"web-{o}"), pods.Keys.Order());
            Assert.True(Enumerable.Range(0, i).All(o => (pods[$"web-{o}"].Status.Conditions ?? []).Any(c => c.Type == "Ready" && c.Status == "True")));
            Assert.NotNull(await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync($"www-web-{i}", ns));
            await MakeReadyAsync(client, ns, name);
        }

        await ControllersTests.EventuallyAsync(async () => (await client.AppsV1.ReadNamespacedStatefulSetAsync("web", ns)).Status.ReadyReplicas == 3, "3 ready replicas");
        Assert.Contains("roll out complete: 3 new pods have been updated", await kubectl.OkAsync("-n", ns, "rollout", "status", "statefulset/web", "--timeout=30s"));

        var web1 = (await PodsAsync(client, ns))["web-1"];
        Assert.Equal(("web-1", "web"), (web1.Spec.Hostname, web1.Spec.Subdomain));
        Assert.Equal("web-1", web1.Metadata.Labels["statefulset.kubernetes.io/pod-name"]);
        Assert.Equal("1", web1.Metadata.Labels["apps.kubernetes.io/pod-index"]);
        var sts = await client.AppsV1.ReadNamespacedStatefulSetAsync("web", ns);
        Assert.Equal(sts.Status.CurrentRevision, web1.Metadata.Labels["controller-revision-hash"]);
        Assert.Equal("www-web-1", web1.Spec.Volumes.Single(v => v.Name == "www").PersistentVolumeClaim.ClaimName);
        var claims = await kubectl.OkAsync("-n", ns, "get", "pvc", "-o", "name");
        Assert.Equal(["persistentvolumeclaim/www-web-0", "persistentvolumeclaim/www-web-1", "persistentvolumeclaim/www-web-2"], claims.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());

        // Scale-down removes the highest ordinal first: web-1 never goes while web-2 is still there.
        await kubectl.OkAsync("-n", ns, "scale", "statefulset/web", "--replicas=1");
        await ControllersTests.EventuallyAsync(async () =>
        {
            var pods = await PodsAsync(client, ns);
            Assert.False(pods.ContainsKey("web-2") && !pods.ContainsKey("web-1"), "web-1 was deleted before web-2");
            return pods.Keys.SequenceEqual(["web-0"]);
        }, "scale-down to web-0");
        claims = await kubectl.OkAsync("-n", ns, "get", "pvc", "-o", "name");
        Assert.Equal(3, claims.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var events = await kubectl.OkAsync("-n", ns, "get", "events", "--field-selector", "involvedObject.kind=StatefulSet");
        Assert.Contains("create Pod web-0 in StatefulSet web successful", events);
        Assert.Contains("delete Pod web-2 in StatefulSet web successful", events);
        Assert.Contains("create Claim www-web-0 Pod web-0 in StatefulSet web success", events);

        await kubectl.OkAsync("-n", ns, "scale", "statefulset/web", "--replicas=3");
        await ControllersTests.EventuallyAsync(
            async () => (await client.AppsV1.ReadNamespacedStatefulSetAsync("web", ns)).Status.ReadyReplicas == 3,
            "3 ready again",
            () => ControllersTests.MakePodsReadyAsync(client, ns));

        // Partition 2: only web-2 moves to the new template.
        await kubectl.OkAsync("-n", ns, "patch", "statefulset/web", "--type=merge", "-p", """{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}},"template":{"spec":{"containers":[{"name":"c","image":"nginx:2"}]}}}}""");
        await ControllersTests.EventuallyAsync(async () =>
        {
            var s = await client.AppsV1.ReadNamespacedStatefulSetAsync("web", ns);
            var pods = await PodsAsync(client, ns);
            return pods.Count == 3 && Image(pods["web-2"]) == "nginx:2" && s.Status.UpdatedReplicas == 1 && s.Status.ReadyReplicas == 3 && s.Status.ObservedGeneration == s.Metadata.Generation;
        }, "web-2 updated", () => ControllersTests.MakePodsReadyAsync(client, ns));
        await Task.Delay(1500);
        var partitioned = await PodsAsync(client, ns);
        Assert.Equal(("nginx:1", "nginx:1", "nginx:2"), (Image(partitioned["web-0"]), Image(partitioned["web-1"]), Image(partitioned["web-2"])));
        Assert.Contains("partitioned roll out complete: 1 new pods have been updated", await kubectl.OkAsync("-n", ns, "rollout", "status", "statefulset/web", "--timeout=30s"));

        // Partition 0: the rest follow, highest first, and the update revision becomes current.
        await kubectl.OkAsync("-n", ns, "patch", "statefulset/web", "--type=merge", "-p", """{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}""");
        await ControllersTests.EventuallyAsync(async () =>
        {
            var s = await client.AppsV1.ReadNamespacedStatefulSetAsync("web", ns);
            var pods = await PodsAsync(client, ns);
            return pods.Count == 3 && pods.Values.All(p => Image(p) == "nginx:2") && s.Status.CurrentRevision == s.Status.UpdateRevision && s.Status.ReadyReplicas == 3;
        }, "all updated", () => ControllersTests.MakePodsReadyAsync(client, ns));
        Assert.Contains("roll out complete: 3 new pods have been updated", await kubectl.OkAsync("-n", ns, "rollout", "status", "statefulset/web", "--timeout=30s"));

        var history = await kubectl.OkAsync("-n", ns, "rollout", "history", "statefulset/web");
        Assert.Matches(@"(?m)^1\s", history);
        Assert.Matches(@"(?m)^2\s", history);
        await kubectl.OkAsync("-n", ns, "rollout", "undo", "statefulset/web");
        await ControllersTests.EventuallyAsync(async () =>
        {
            var s = await client.AppsV1.ReadNamespacedStatefulSetAsync("web", ns);
            var pods = await PodsAsync(client, ns);
            return s.Spec.Template.Spec.Containers[0].Image == "nginx:1" && pods.Count == 3 && pods.Values.All(p => Image(p) == "nginx:1") && s.Status.CurrentRevision == s.Status.UpdateRevision;
        }, "the rollback to nginx:1", () => ControllersTests.MakePodsReadyAsync(client, ns));
    }

    [Fact]
    public async Task Parallel_CreatesAllAtOnce_FromTheStartOrdinal_AndRetentionPoliciesDeleteClaims()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "sts-parallel");
        const string extra = "podManagementPolicy: Parallel\n  ordinals: {start: 5}\n  persistentVolumeClaimRetentionPolicy: {whenScaled: Delete, whenDeleted: Retain}";
        await kubectl.OkWithInputAsync(StatefulSet("db", 3, "nginx:1", extra), "-n", ns, "create", "-f", "-");

        // Nobody is ready, yet all three exist.
        await ControllersTests.EventuallyAsync(async () => (await PodsAsync(client, ns)).Keys.Order().SequenceEqual(["db-5", "db-6", "db-7"]), "db-5, db-6 and db-7");
        await ControllersTests.EventuallyAsync(async () => (await client.AppsV1.ReadNamespacedStatefulSetAsync("db", ns)).Status.ReadyReplicas == 3, "3 ready", () => ControllersTests.MakePodsReadyAsync(client, ns));

        await kubectl.OkAsync("-n", ns, "scale", "statefulset/db", "--replicas=1");
        await ControllersTests.EventuallyAsync(async () =>
        {
            var claims = (await client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns)).Items.Select(c => c.Metadata.Name).Order();
            return (await PodsAsync(client, ns)).Keys.SequenceEqual(["db-5"]) && claims.SequenceEqual(["www-db-5"]);
        }, "db-6, db-7 and their claims gone");

        // whenDeleted: Delete makes the set own the remaining claim, so deleting the set deletes it.
        await kubectl.OkAsync("-n", ns, "patch", "statefulset/db", "--type=merge", "-p", """{"spec":{"persistentVolumeClaimRetentionPolicy":{"whenDeleted":"Delete"}}}""");
        await ControllersTests.EventuallyAsync(
            async () => (await client.CoreV1.ReadNamespacedPersistentVolumeClaimAsync("www-db-5", ns)).Metadata.OwnerReferences?.Any(r => r.Kind == "StatefulSet" && r.Name == "db") == true,
            "the claim owned by the set");
        await kubectl.OkAsync("-n", ns, "delete", "statefulset/db");
        await ControllersTests.EventuallyAsync(
            async () => (await client.CoreV1.ListNamespacedPersistentVolumeClaimAsync(ns)).Items.Count == 0 && (await PodsAsync(client, ns)).Count == 0,
            "pods and claims gone with the set");
    }
}
