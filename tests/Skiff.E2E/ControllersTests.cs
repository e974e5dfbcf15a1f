using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client.Api;
using Skiff.Client.LeaderElection;
using Skiff.Controllers.Manager;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// The controller manager inside a real <c>skiff server</c>, driven by the real kubectl. No kubelet runs pods
/// yet, so the tests stand in for one by writing pod status (Running, Ready) through the status subresource.
/// </summary>
public sealed class ControllersTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    private Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Server.Kubeconfig));

    internal static string Deployment(string name, int replicas, string image, string strategy = "") => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{name}}
        spec:
          replicas: {{replicas}}
          selector:
            matchLabels: {app: {{name}}}
          {{strategy}}
          template:
            metadata:
              labels: {app: {{name}}}
            spec:
              containers:
              - name: c
                image: {{image}}
        """;

    private async Task<string> NamespaceAsync(Kubectl kubectl, string name)
    {
        await kubectl.OkWithInputAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n", "create", "-f", "-");
        return name;
    }

    /// <summary>Plays the kubelet: every pending pod of the namespace becomes Running and Ready.</summary>
    internal static async Task MakePodsReadyAsync(Kubernetes client, string ns)
    {
        var pods = await client.CoreV1.ListNamespacedPodAsync(ns);
        foreach (var pod in pods.Items.Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase != "Running"))
        {
            pod.Status.Phase = "Running";
            pod.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = DateTime.UtcNow.AddMinutes(-1) }];
            try
            {
                await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, pod.Metadata.Name, ns);
            }
            catch (k8s.Autorest.HttpOperationException)
            {
                // Changed or deleted meanwhile: the next round sees it again.
            }
        }
    }

    internal static async Task EventuallyAsync(Func<Task<bool>> condition, string what, Func<Task>? step = null)
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            if (step is not null)
            {
                await step();
            }

            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow > until)
            {
                Assert.Fail("timed out waiting for " + what);
            }

            await Task.Delay(200);
        }
    }

    internal static async Task<int> PodCountAsync(Kubernetes client, string ns, string? selector = null) =>
        (await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector)).Items.Count(p => p.Metadata.DeletionTimestamp is null);

    [Fact]
    public async Task Deployment_ThreeReplicas_BecomeReady_Scale_RolloutStatus_AndSelfHeal()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "ctl-deploy");
        await kubectl.OkWithInputAsync(Deployment("web", 3, "nginx:1"), "-n", ns, "create", "-f", "-");

        await EventuallyAsync(async () => (await client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Status?.ReadyReplicas == 3, "3 ready replicas", () => MakePodsReadyAsync(client, ns));
        var status = await kubectl.OkAsync("-n", ns, "rollout", "status", "deployment/web", "--timeout=30s");
        Assert.Contains("successfully rolled out", status);

        var rs = Assert.Single((await client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items);
        Assert.Equal("1", rs.Metadata.Annotations["deployment.kubernetes.io/revision"]);
        Assert.Equal(rs.Metadata.Labels["pod-template-hash"], rs.Metadata.Name["web-".Length..]);
        Assert.True(rs.Metadata.OwnerReferences.Single().Controller);

        await kubectl.OkAsync("-n", ns, "scale", "deployment/web", "--replicas=5");
        await EventuallyAsync(async () => await PodCountAsync(client, ns) == 5, "5 pods");
        await kubectl.OkAsync("-n", ns, "scale", "deployment/web", "--replicas=0");
        await EventuallyAsync(async () => await PodCountAsync(client, ns) == 0, "0 pods");
        await kubectl.OkAsync("-n", ns, "scale", "deployment/web", "--replicas=3");
        await EventuallyAsync(async () => (await client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Status?.AvailableReplicas == 3, "3 available again", () => MakePodsReadyAsync(client, ns));

        // Self-healing: a deleted pod is replaced by a new one.
        var victim = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.First().Metadata.Name;
        await kubectl.OkAsync("-n", ns, "delete", "pod", victim);
        await EventuallyAsync(async () =>
        {
            var pods = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items;
            return pods.Count == 3 && pods.All(p => p.Metadata.Name != victim);
        }, "a replacement pod");

        var events = await kubectl.OkAsync("-n", ns, "get", "events");
        Assert.Contains("ScalingReplicaSet", events);
        Assert.Contains("SuccessfulCreate", events);
    }

    [Fact]
    public async Task RollingUpdate_RespectsSurgeAndUnavailability_AndUndoRestoresTemplate()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "ctl-rolling");
        const string strategy = "strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 1}}";
        await kubectl.OkWithInputAsync(Deployment("app", 4, "nginx:1", strategy), "-n", ns, "create", "-f", "-");
        await EventuallyAsync(async () => (await client.AppsV1.ReadNamespacedDeploymentAsync("app", ns)).Status?.AvailableReplicas == 4, "4 available", () => MakePodsReadyAsync(client, ns));

        // Every observed step: the ReplicaSets ask for at most replicas+maxSurge pods and at least
        // replicas-maxUnavailable are ready. (The pods themselves may briefly number one more, as in Kubernetes:
        // the Deployment controller scales on the ReplicaSets' spec, and an old ReplicaSet's pod goes a moment
        // after its scale-down is written.)
        await kubectl.OkWithInputAsync(Deployment("app", 4, "nginx:2", strategy), "-n", ns, "replace", "-f", "-");
        var maxPods = 0;
        var minReady = int.MaxValue;
        await EventuallyAsync(async () =>
        {
            var pods = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
            maxPods = Math.Max(maxPods, (await client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items.Sum(r => r.Spec.Replicas ?? 0));
            minReady = Math.Min(minReady, pods.Count(p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true));
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync("app", ns);
            return d.Status?.ObservedGeneration == d.Metadata.Generation && d.Status!.UpdatedReplicas == 4 && d.Status.AvailableReplicas == 4 && d.Status.Replicas == 4;
        }, "the rollout to nginx:2", () => MakePodsReadyAsync(client, ns));
        Assert.True(maxPods <= 5, $"the ReplicaSets asked for {maxPods} pods, more than replicas + maxSurge");
        Assert.True(minReady >= 3, $"saw only {minReady} ready pods, fewer than replicas - maxUnavailable");
        Assert.Contains("successfully rolled out", await kubectl.OkAsync("-n", ns, "rollout", "status", "deployment/app", "--timeout=30s"));

        var history = await kubectl.OkAsync("-n", ns, "rollout", "history", "deployment/app");
        Assert.Contains("1 ", history);
        Assert.Contains("2 ", history);

        await kubectl.OkAsync("-n", ns, "rollout", "undo", "deployment/app");
        await EventuallyAsync(async () =>
        {
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync("app", ns);
            return d.Spec.Template.Spec.Containers[0].Image == "nginx:1" && d.Status?.ObservedGeneration == d.Metadata.Generation && d.Status!.UpdatedReplicas == 4 && d.Status.AvailableReplicas == 4 && d.Status.Replicas == 4;
        }, "the rollback to nginx:1", () => MakePodsReadyAsync(client, ns));

        // The rollback reuses the first ReplicaSet, now at revision 3.
        var sets = (await client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items;
        Assert.Equal(2, sets.Count);
        var current = sets.Single(s => s.Spec.Replicas == 4);
        Assert.Equal("nginx:1", current.Spec.Template.Spec.Containers[0].Image);
        Assert.Equal("3", current.Metadata.Annotations["deployment.kubernetes.io/revision"]);
    }

    [Fact]
    public async Task Recreate_ScalesOldToZeroBeforeCreatingNew()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "ctl-recreate");
        await kubectl.OkWithInputAsync(Deployment("rc", 2, "nginx:1", "strategy: {type: Recreate}"), "-n", ns, "create", "-f", "-");
        await EventuallyAsync(async () => (await client.AppsV1.ReadNamespacedDeploymentAsync("rc", ns)).Status?.AvailableReplicas == 2, "2 available", () => MakePodsReadyAsync(client, ns));
        await kubectl.OkWithInputAsync(Deployment("rc", 2, "nginx:2", "strategy: {type: Recreate}"), "-n", ns, "replace", "-f", "-");
        var mixed = false;
        await EventuallyAsync(async () =>
        {
            var images = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Select(p => p.Spec.Containers[0].Image).Distinct().ToList();
            mixed |= images.Count > 1;
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync("rc", ns);
            return d.Status?.ObservedGeneration == d.Metadata.Generation && d.Status!.UpdatedReplicas == 2 && d.Status.AvailableReplicas == 2 && d.Status.Replicas == 2;
        }, "the recreate rollout", () => MakePodsReadyAsync(client, ns));
        Assert.False(mixed, "old and new pods existed at the same time");
    }

    [Fact]
    public async Task ReplicationController_SelfHeals()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "ctl-rc");
        await kubectl.OkWithInputAsync("""
            apiVersion: v1
            kind: ReplicationController
            metadata: {name: legacy}
            spec:
              replicas: 2
              selector: {app: legacy}
              template:
                metadata: {labels: {app: legacy}}
                spec:
                  containers: [{name: c, image: nginx:1}]
            """, "-n", ns, "create", "-f", "-");
        await EventuallyAsync(async () => (await client.CoreV1.ReadNamespacedReplicationControllerAsync("legacy", ns)).Status?.ReadyReplicas == 2, "2 ready", () => MakePodsReadyAsync(client, ns));
        var victim = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.First().Metadata.Name;
        await kubectl.OkAsync("-n", ns, "delete", "pod", victim);
        await EventuallyAsync(async () =>
        {
            var pods = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items;
            return pods.Count == 2 && pods.All(p => p.Metadata.Name != victim && p.Metadata.OwnerReferences.Single().Kind == "ReplicationController");
        }, "a replacement pod");
    }

    [Fact]
    public async Task ReplicaSet_AdoptsMatchingOrphan_AndReleasesRelabeledPod()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "ctl-adopt");
        await kubectl.OkWithInputAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: stray, labels: {app: adopt}}
            spec:
              containers: [{name: c, image: nginx:1}]
            """, "-n", ns, "create", "-f", "-");
        await kubectl.OkWithInputAsync("""
            apiVersion: apps/v1
            kind: ReplicaSet
            metadata: {name: adopter}
            spec:
              replicas: 2
              selector: {matchLabels: {app: adopt}}
              template:
                metadata: {labels: {app: adopt}}
                spec:
                  containers: [{name: c, image: nginx:1}]
            """, "-n", ns, "create", "-f", "-");
        await EventuallyAsync(async () =>
        {
            var stray = await client.CoreV1.ReadNamespacedPodAsync("stray", ns);
            return stray.Metadata.OwnerReferences?.SingleOrDefault()?.Name == "adopter" && await PodCountAsync(client, ns) == 2;
        }, "adoption of the stray pod");

        await kubectl.OkAsync("-n", ns, "label", "pod", "stray", "app=other", "--overwrite");
        await EventuallyAsync(async () =>
        {
            var stray = await client.CoreV1.ReadNamespacedPodAsync("stray", ns);
            return stray.Metadata.OwnerReferences is null or { Count: 0 } && await PodCountAsync(client, ns, "app=adopt") == 2;
        }, "release of the relabeled pod and a replacement");
    }

    [Theory]
    [InlineData("background")]
    [InlineData("foreground")]
    [InlineData("orphan")]
    public async Task CascadingDeletion_AllModes(string mode)
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "ctl-gc-" + mode);
        await kubectl.OkWithInputAsync(Deployment("owner", 2, "nginx:1"), "-n", ns, "create", "-f", "-");
        await EventuallyAsync(async () => await PodCountAsync(client, ns) == 2, "2 pods");

        await kubectl.OkAsync("-n", ns, "delete", "deployment", "owner", "--cascade=" + mode, "--timeout=40s");
        if (mode == "orphan")
        {
            await EventuallyAsync(async () =>
            {
                var sets = (await client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items;
                return sets.Count == 1 && sets[0].Metadata.OwnerReferences is null or { Count: 0 };
            }, "the ReplicaSet orphaned");
            Assert.Empty((await client.AppsV1.ListNamespacedDeploymentAsync(ns)).Items);
            Assert.Equal(2, await PodCountAsync(client, ns));
        }
        else
        {
            await EventuallyAsync(async () =>
                (await client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items.Count == 0 && await PodCountAsync(client, ns) == 0
                && (await client.AppsV1.ListNamespacedDeploymentAsync(ns)).Items.Count == 0,
                "deployment, ReplicaSet and pods gone");
        }
    }

    [Fact]
    public async Task DeleteNamespace_EmptiesAndRemovesIt()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = await NamespaceAsync(kubectl, "ctl-doomed");
        await EventuallyAsync(async () => (await client.CoreV1.ListNamespacedServiceAccountAsync(ns)).Items.Any(s => s.Metadata.Name == "default"), "the default ServiceAccount");
        await kubectl.OkWithInputAsync(Deployment("web", 2, "nginx:1"), "-n", ns, "create", "-f", "-");
        await kubectl.OkWithInputAsync("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: b}\n", "-n", ns, "create", "-f", "-");
        await EventuallyAsync(async () => await PodCountAsync(client, ns) == 2, "2 pods");

        await kubectl.OkAsync("delete", "namespace", ns, "--timeout=40s");
        await EventuallyAsync(async () => !(await client.CoreV1.ListNamespaceAsync()).Items.Any(n => n.Metadata.Name == ns), "the namespace gone");
        var get = await kubectl.RunAsync("get", "namespace", ns);
        Assert.NotEqual(0, get.ExitCode);
        Assert.Contains("NotFound", get.Stderr);
    }

    [Fact]
    public async Task ControllerManager_HoldsTheLease()
    {
        using var client = Client();
        var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync("kube-controller-manager", "kube-system");
        Assert.False(string.IsNullOrEmpty(lease.Spec.HolderIdentity));
        Assert.Equal(15, lease.Spec.LeaseDurationSeconds);
        _ = JsonSerializer.Serialize(lease.Spec.RenewTime);
    }

    [Fact]
    public async Task SecondControllerManager_StaysIdle_WhileTheServerHoldsTheLease()
    {
        using var connection = new ApiConnection(KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Server.Kubeconfig));
        var options = new ControllerManagerOptions { LeaderElection = new LeaderElectionOptions { Identity = "second-candidate", RetryPeriod = TimeSpan.FromMilliseconds(200) } };
        var second = new ControllerManager(connection, options, TimeProvider.System, NullLoggerFactory.Instance);
        using var cts = new CancellationTokenSource();
        var run = second.RunAsync(cts.Token);

        // Several retry periods: the server's manager keeps renewing, so the candidate never leads.
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(second.Leading.IsCompleted, "the second candidate took the lease; server log:\n" + string.Join("\n", fixture.Server.Log.Split('\n').TakeLast(40)));
        using var client = Client();
        var lease = await client.CoordinationV1.ReadNamespacedLeaseAsync("kube-controller-manager", "kube-system");
        Assert.NotEqual("second-candidate", lease.Spec.HolderIdentity);

        cts.Cancel();
        await run.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
