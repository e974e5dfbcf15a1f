using k8s;
using k8s.Models;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// ResourceQuota and LimitRange in a real <c>skiff server</c> through the real kubectl: the quota admission refuses
/// what exceeds a quota with 403 and Kubernetes' message, the quota controller keeps status.used true (also after
/// deletes), and LimitRange defaults and bounds apply to new pods.
/// </summary>
public sealed class QuotaTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Server.Kubeconfig));

    private static async Task NamespaceAsync(Kubectl kubectl, string name) =>
        await kubectl.OkWithInputAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n", "create", "-f", "-");

    [Fact]
    public async Task Quota_OfTwoPods_RejectsTheThirdWith403_GetAndDescribeShowUsage_DeleteFreesQuota()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        const string ns = "quota-pods";
        await NamespaceAsync(kubectl, ns);

        // Every namespace gets the kube-root-ca.crt ConfigMap (root-ca-cert-publisher); the quota counts it, as in Kubernetes.
        await ControllersTests.EventuallyAsync(async () => (await client.CoreV1.ListNamespacedConfigMapAsync(ns)).Items.Any(c => c.Metadata.Name == "kube-root-ca.crt"), "kube-root-ca.crt");
        await kubectl.OkAsync("-n", ns, "create", "quota", "q", "--hard=pods=2,configmaps=5");

        // The quota limits once the controller has published status.hard, as in Kubernetes.
        await ControllersTests.EventuallyAsync(async () => (await client.CoreV1.ReadNamespacedResourceQuotaAsync("q", ns)).Status?.Hard?.ContainsKey("pods") == true, "quota status.hard");

        await kubectl.OkAsync("-n", ns, "run", "a", "--image=nginx", "--restart=Never");
        await kubectl.OkAsync("-n", ns, "run", "b", "--image=nginx", "--restart=Never");
        var third = await kubectl.RunAsync("-n", ns, "run", "c", "--image=nginx", "--restart=Never");
        Assert.NotEqual(0, third.ExitCode);
        Assert.Contains("Error from server (Forbidden): pods \"c\" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2", third.Stderr);

        var get = await kubectl.OkAsync("-n", ns, "get", "quota");
        var lines = get.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+REQUEST\s+LIMIT\s+AGE\s*$", lines[0]);
        Assert.Matches(@"^q\s+configmaps: 1/5, pods: 2/2\s+\S+\s*$", lines[1]);

        var describe = await kubectl.OkAsync("-n", ns, "describe", "quota", "q");
        Assert.Matches(@"pods\s+2\s+2", describe);
        Assert.Matches(@"configmaps\s+1\s+5", describe);

        // A delete gives the pod back to the quota (the controller recounts), and the third pod then fits.
        await kubectl.OkAsync("-n", ns, "delete", "pod", "a", "--grace-period=0", "--force");
        await ControllersTests.EventuallyAsync(async () => (await client.CoreV1.ReadNamespacedResourceQuotaAsync("q", ns)).Status.Used["pods"].ToString() == "1", "used pods back to 1");
        await kubectl.OkAsync("-n", ns, "run", "c", "--image=nginx", "--restart=Never");
        Assert.Contains("pods: 2/2", await kubectl.OkAsync("-n", ns, "get", "quota", "q"));
    }

    [Fact]
    public async Task ComputeQuota_RequiresLimits_AndChargesRequests()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        const string ns = "quota-compute";
        await NamespaceAsync(kubectl, ns);
        await kubectl.OkAsync("-n", ns, "create", "quota", "compute", "--hard=requests.cpu=1,limits.cpu=2,requests.memory=1Gi");
        await ControllersTests.EventuallyAsync(async () => (await client.CoreV1.ReadNamespacedResourceQuotaAsync("compute", ns)).Status?.Hard?.Count == 3, "quota status.hard");

        var bare = await kubectl.RunAsync("-n", ns, "run", "bare", "--image=nginx", "--restart=Never");
        Assert.NotEqual(0, bare.ExitCode);
        Assert.Contains("pods \"bare\" is forbidden: failed quota: compute: must specify limits.cpu for: bare; requests.cpu for: bare; requests.memory for: bare", bare.Stderr);

        await kubectl.OkWithInputAsync(SizedPod("small", "600m", "256Mi"), "-n", ns, "create", "-f", "-");
        var big = await kubectl.RunWithInputAsync(SizedPod("big", "600m", "256Mi"), "-n", ns, "create", "-f", "-");
        Assert.NotEqual(0, big.ExitCode);
        Assert.Contains("pods \"big\" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: requests.cpu=600m, limited: requests.cpu=1", big.Stderr);
        var table = await kubectl.OkAsync("-n", ns, "get", "quota", "compute");
        Assert.True(table.Contains("requests.cpu: 600m/1, requests.memory: 256Mi/1Gi", StringComparison.Ordinal) && table.Contains("limits.cpu: 600m/2", StringComparison.Ordinal), table);
    }

    [Fact]
    public async Task LimitRange_DefaultsAppearInPod_TooLargeLimitRefused()
    {
        var kubectl = fixture.Kubectl();
        using var client = Client();
        const string ns = "limits";
        await NamespaceAsync(kubectl, ns);
        await kubectl.OkWithInputAsync("""
            apiVersion: v1
            kind: LimitRange
            metadata:
              name: lr
            spec:
              limits:
              - type: Container
                default: {cpu: 500m, memory: 128Mi}
                defaultRequest: {cpu: 250m}
                max: {cpu: "1", memory: 1Gi}
            """, "-n", ns, "create", "-f", "-");

        await kubectl.OkAsync("-n", ns, "run", "p", "--image=nginx", "--restart=Never");
        var pod = await client.CoreV1.ReadNamespacedPodAsync("p", ns);
        var resources = pod.Spec.Containers[0].Resources;
        Assert.Equal("500m", resources.Limits["cpu"].ToString());
        Assert.Equal("128Mi", resources.Limits["memory"].ToString());
        Assert.Equal("250m", resources.Requests["cpu"].ToString());
        Assert.Equal("128Mi", resources.Requests["memory"].ToString());
        Assert.Equal("LimitRanger plugin set: cpu, memory request for container p; cpu, memory limit for container p", pod.Metadata.Annotations["kubernetes.io/limit-ranger"]);

        var big = await kubectl.RunWithInputAsync(SizedPod("big", "2", "2Gi"), "-n", ns, "create", "-f", "-");
        Assert.NotEqual(0, big.ExitCode);
        Assert.Contains("Error from server (Forbidden): error when creating \"STDIN\": pods \"big\" is forbidden: [maximum cpu usage per Container is 1, but limit is 2, maximum memory usage per Container is 1Gi, but limit is 2Gi]", big.Stderr);
        var none = await kubectl.RunAsync("-n", ns, "get", "pod", "big");
        Assert.Contains("NotFound", none.Stderr);
    }

    private static string SizedPod(string name, string cpu, string memory) => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
        spec:
          containers:
          - name: c
            image: nginx
            resources:
              requests: {cpu: "{{cpu}}", memory: {{memory}}}
              limits: {cpu: "{{cpu}}", memory: {{memory}}}
        """;
}
