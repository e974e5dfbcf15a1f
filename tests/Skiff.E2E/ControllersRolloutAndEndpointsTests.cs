using k8s;
using k8s.Models;
using Skiff.E2E.Support;
using static Skiff.E2E.ControllersTests;

namespace Skiff.E2E;

/// <summary>
/// kubectl set image and rollout pause/resume on a Deployment, and a Service's Endpoints and EndpointSlices,
/// against a real <c>skiff server</c>. The test stands in for the kubelet: it gives pods IPs and readiness
/// through the status subresource.
/// </summary>
public sealed class ControllersRolloutAndEndpointsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Server.Kubeconfig));

    /// <summary>Plays the kubelet for pods that have no IP yet: Running, an IP from 10.42.0.0/24, ready unless <paramref name="unready"/> picks it.</summary>
    private static async Task GiveIpsAsync(Kubernetes client, string ns, Func<V1Pod, bool> unready, Dictionary<string, string> ips)
    {
        var pods = await client.CoreV1.ListNamespacedPodAsync(ns);
        foreach (var pod in pods.Items.Where(p => p.Metadata.DeletionTimestamp is null && string.IsNullOrEmpty(p.Status?.PodIP)))
        {
            var ip = $"10.42.0.{ips.Count + 10}";
            pod.Status.Phase = "Running";
            pod.Status.PodIP = ip;
            pod.Status.PodIPs = [new V1PodIP { Ip = ip }];
            pod.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = unready(pod) ? "False" : "True", LastTransitionTime = DateTime.UtcNow.AddMinutes(-1) }];
            try
            {
                await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, pod.Metadata.Name, ns);
                ips[pod.Metadata.Name] = ip;
            }
            catch (k8s.Autorest.HttpOperationException)
            {
            }
        }
    }

    [Fact]
    public async Task SetImage_WhilePaused_WaitsForResume_ThenRollsOutWithinBounds()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = "ctl-pause";
        await kubectl.OkAsync("create", "namespace", ns);
        const string strategy = "strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}";
        await kubectl.OkWithInputAsync(Deployment("app", 3, "nginx:1", strategy), "-n", ns, "create", "-f", "-");
        await EventuallyAsync(async () => (await client.AppsV1.ReadNamespacedDeploymentAsync("app", ns)).Status?.AvailableReplicas == 3, "3 available", () => MakePodsReadyAsync(client, ns));

        await kubectl.OkAsync("-n", ns, "rollout", "pause", "deployment/app");
        await kubectl.OkAsync("-n", ns, "set", "image", "deployment/app", "c=nginx:2");
        await EventuallyAsync(async () =>
        {
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync("app", ns);
            return d.Spec.Paused == true && d.Spec.Template.Spec.Containers[0].Image == "nginx:2" && d.Status?.ObservedGeneration == d.Metadata.Generation;
        }, "the paused deployment observed");
        var progressing = (await client.AppsV1.ReadNamespacedDeploymentAsync("app", ns)).Status.Conditions.Single(c => c.Type == "Progressing");
        Assert.Equal("DeploymentPaused", progressing.Reason);
        Assert.Single((await client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items);
        Assert.All((await client.CoreV1.ListNamespacedPodAsync(ns)).Items, p => Assert.Equal("nginx:1", p.Spec.Containers[0].Image));

        await kubectl.OkAsync("-n", ns, "rollout", "resume", "deployment/app");
        var maxPods = 0;
        var minReady = int.MaxValue;
        await EventuallyAsync(async () =>
        {
            var pods = (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Where(p => p.Metadata.DeletionTimestamp is null).ToList();
            maxPods = Math.Max(maxPods, pods.Count);
            minReady = Math.Min(minReady, pods.Count(p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true));
            var d = await client.AppsV1.ReadNamespacedDeploymentAsync("app", ns);
            return d.Status?.ObservedGeneration == d.Metadata.Generation && d.Status!.UpdatedReplicas == 3 && d.Status.AvailableReplicas == 3 && d.Status.Replicas == 3;
        }, "the rollout to nginx:2", () => MakePodsReadyAsync(client, ns));
        Assert.True(maxPods <= 4, $"saw {maxPods} pods, more than replicas + maxSurge");
        Assert.True(minReady >= 3, $"saw only {minReady} ready pods, fewer than replicas - maxUnavailable");
        Assert.Contains("successfully rolled out", await kubectl.OkAsync("-n", ns, "rollout", "status", "deployment/app", "--timeout=30s"));
        Assert.Equal("nginx:2", await kubectl.OkAsync("-n", ns, "get", "deployment", "app", "-o", "jsonpath={.spec.template.spec.containers[0].image}"));
        Assert.Equal(2, (await client.AppsV1.ListNamespacedReplicaSetAsync(ns)).Items.Count);
    }

    [Fact]
    public async Task Service_EndpointsAndEndpointSlices_FollowPodIpsAndReadiness()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        var ns = "ctl-endpoints";
        await kubectl.OkAsync("create", "namespace", ns);
        await kubectl.OkWithInputAsync("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 3
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - name: c
                    image: nginx:1
                    ports: [{name: http, containerPort: 8080}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              selector: {app: web}
              ports: [{name: web, port: 80, targetPort: http}]
            """, "-n", ns, "create", "-f", "-");

        // The service exists before any pod has an IP: Endpoints without addresses and a placeholder slice.
        await EventuallyAsync(async () => (await client.DiscoveryV1.ListNamespacedEndpointSliceAsync(ns, labelSelector: "kubernetes.io/service-name=web")).Items.Count == 1, "the placeholder slice");

        var ips = new Dictionary<string, string>();
        string? unreadyPod = null;
        await EventuallyAsync(async () => ips.Count == 3, "3 pods with IPs", () => GiveIpsAsync(client, ns, p =>
        {
            unreadyPod ??= p.Metadata.Name;
            return p.Metadata.Name == unreadyPod;
        }, ips));
        var ready = ips.Where(p => p.Key != unreadyPod).Select(p => p.Value).Order(StringComparer.Ordinal).ToList();

        await EventuallyAsync(async () =>
        {
            var ep = await client.CoreV1.ReadNamespacedEndpointsAsync("web", ns);
            var subset = ep.Subsets?.SingleOrDefault();
            return subset is not null
                && subset.Addresses?.Select(a => a.Ip).Order(StringComparer.Ordinal).SequenceEqual(ready) == true
                && subset.NotReadyAddresses?.SingleOrDefault()?.Ip == ips[unreadyPod!]
                && subset.Ports.Single() is { Port: 8080, Name: "web" };
        }, "Endpoints with 2 ready and 1 not-ready address on port 8080");
        var endpointsTable = await kubectl.OkAsync("-n", ns, "get", "endpoints", "web");
        foreach (var ip in ready)
        {
            Assert.Contains(ip + ":8080", endpointsTable);
        }

        await EventuallyAsync(async () =>
        {
            var slice = (await client.DiscoveryV1.ListNamespacedEndpointSliceAsync(ns, labelSelector: "kubernetes.io/service-name=web")).Items.SingleOrDefault();
            return slice?.Endpoints?.Count == 3 && slice.Endpoints.Count(e => e.Conditions.Ready == true) == 2;
        }, "one EndpointSlice with 3 endpoints, 2 ready");
        var sliceObj = (await client.DiscoveryV1.ListNamespacedEndpointSliceAsync(ns, labelSelector: "kubernetes.io/service-name=web")).Items.Single();
        Assert.Equal("endpointslice-controller.k8s.io", sliceObj.Metadata.Labels["endpointslice.kubernetes.io/managed-by"]);
        Assert.Equal("Service", sliceObj.Metadata.OwnerReferences.Single().Kind);
        Assert.Equal("IPv4", sliceObj.AddressType);
        Assert.Equal(8080, sliceObj.Ports.Single().Port);
        var slicesTable = await kubectl.OkAsync("-n", ns, "get", "endpointslices");
        Assert.Contains("IPv4", slicesTable);
        Assert.Contains("8080", slicesTable);

        // A deleted pod leaves both, and its replacement (given an IP) joins them.
        var victim = ips.First(p => p.Key != unreadyPod);
        await kubectl.OkAsync("-n", ns, "delete", "pod", victim.Key, "--wait=false");
        await EventuallyAsync(async () =>
        {
            var ep = await client.CoreV1.ReadNamespacedEndpointsAsync("web", ns);
            var slice = (await client.DiscoveryV1.ListNamespacedEndpointSliceAsync(ns, labelSelector: "kubernetes.io/service-name=web")).Items.Single();
            var all = (ep.Subsets ?? []).SelectMany(s => (s.Addresses ?? []).Concat(s.NotReadyAddresses ?? [])).Select(a => a.Ip).ToList();
            return !all.Contains(victim.Value) && all.Count == 3 && slice.Endpoints.Count == 3 && slice.Endpoints.All(e => e.Addresses[0] != victim.Value);
        }, "the victim replaced in Endpoints and EndpointSlice", () => GiveIpsAsync(client, ns, _ => false, ips));

        // Deleting the service removes its Endpoints and (through the garbage collector) its slices.
        await kubectl.OkAsync("-n", ns, "delete", "service", "web");
        await EventuallyAsync(async () =>
            (await client.CoreV1.ListNamespacedEndpointsAsync(ns)).Items.Count == 0
            && (await client.DiscoveryV1.ListNamespacedEndpointSliceAsync(ns)).Items.Count == 0, "Endpoints and slices gone");
    }
}
