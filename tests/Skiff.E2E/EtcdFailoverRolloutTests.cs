using System.Text.RegularExpressions;
using k8s;
using Skiff.E2E.Support;
using Skiff.Tests.Support;
using static Skiff.E2E.ControllersTests;

namespace Skiff.E2E;

/// <summary>
/// Two servers on one etcd; the one holding the controller manager lease is killed (-9) in the middle of a
/// Deployment rollout: the other server takes the lease, the rollout completes through it, and the surge bound
/// holds throughout (no pod is created twice).
/// </summary>
public sealed class EtcdFailoverRolloutTests
{
    private const int Replicas = 4;
    private const int MaxSurge = 1;

    [Fact]
    public async Task LeaderKilledMidRollout_RolloutCompletesOnTheOtherServer_WithinSurge()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        string[] endpoint = ["--datastore-endpoint", etcd.ClientUrl.ToString()];
        await using var a = await SkiffServer.StartAsync(null, endpoint);
        // The second server joins with the first one's token only; the CA and keys come from etcd's bootstrap data.
        var token = File.ReadAllText(Path.Combine(a.DataDir, "server", "token")).Trim();
        await using var b = await SkiffServer.StartAsync(null, [.. endpoint, "--token", token]);

        SkiffServer? leader = null;
        await EventuallyAsync(() =>
        {
            leader = new[] { a, b }.SingleOrDefault(s => Regex.IsMatch(s.Log, "acquired lease kube-system/kube-controller-manager"));
            return Task.FromResult(leader is not null);
        }, "a controller manager leader");
        var standby = leader == a ? b : a;

        const string ns = "failover";
        var kubectl = new Kubectl(standby.Kubeconfig);
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(standby.Kubeconfig));
        await kubectl.OkAsync("create", "namespace", ns);
        var strategy = $"strategy: {{type: RollingUpdate, rollingUpdate: {{maxSurge: {MaxSurge}, maxUnavailable: 1}}}}";
        await kubectl.OkWithInputAsync(Deployment("app", Replicas, "nginx:1", strategy), "-n", ns, "create", "-f", "-");
        await EventuallyAsync(async () => (await client.AppsV1.ReadNamespacedDeploymentAsync("app", ns)).Status?.AvailableReplicas == Replicas, "4 available", () => MakePodsReadyAsync(client, ns));

        var newPods = new HashSet<string>(StringComparer.Ordinal);
        var maxSpec = 0;
        async Task ObserveAsync()
        {
            var pods = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
            var sets = (await client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items;
            maxSpec = Math.Max(maxSpec, sets.Sum(rs => rs.Spec.Replicas ?? 0));
            newPods.UnionWith(pods.Where(p => p.Spec.Containers[0].Image == "nginx:2").Select(p => p.Metadata.Uid));
        }

        await kubectl.OkAsync("-n", ns, "set", "image", "deployment/app", "c=nginx:2");
        await EventuallyAsync(async () =>
        {
            await ObserveAsync();
            return newPods.Count >= 1;
        }, "the first new pod");

        await leader!.KillAsync();
        await EventuallyAsync(async () =>
        {
            await ObserveAsync();
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync("app", ns);
            return d.Status?.ObservedGeneration == d.Metadata.Generation && d.Status!.UpdatedReplicas == Replicas && d.Status.AvailableReplicas == Replicas && d.Status.Replicas == Replicas;
        }, "the rollout to complete on the standby", () => MakePodsReadyAsync(client, ns));
        await ObserveAsync();

        Assert.Matches("acquired lease kube-system/kube-controller-manager", standby.Log);
        Assert.True(maxSpec <= Replicas + MaxSurge, $"the ReplicaSets asked for {maxSpec} pods, more than replicas + maxSurge");
        Assert.True(newPods.Count == Replicas, $"{newPods.Count} pods of the new template were created, expected {Replicas}");
        Assert.Equal(Replicas, (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Count);
        Assert.Contains("successfully rolled out", await kubectl.OkAsync("-n", ns, "rollout", "status", "deployment/app", "--timeout=30s"));
    }
}
