using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client.Api;
using Skiff.Controllers.Manager;
using Skiff.Controllers.PodAutoscaler;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// The HorizontalPodAutoscaler with the real kubectl. Two set-ups: the plain <c>skiff server</c> (its own
/// controller manager, no node agent so the metrics API has no pod metrics: the HPA reports why it cannot scale, as
/// Kubernetes does while metrics-server has no figures), and a server started with <c>--disable-controller-manager</c> next to the real controller manager
/// run in this process with a metrics source the test controls, so scaling decisions can be observed end to end.
/// </summary>
public sealed class HpaTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private static string Deployment(string name) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {{name}}
        spec:
          replicas: 1
          selector:
            matchLabels: {app: {{name}}}
          template:
            metadata:
              labels: {app: {{name}}}
            spec:
              containers:
              - name: c
                image: nginx
                resources:
                  requests: {cpu: 100m}
        """;

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, Func<Task<string>>? diagnostics = null, Func<Task>? step = null)
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
                Assert.Fail("timed out waiting for " + what + (diagnostics is null ? "" : "\n" + await diagnostics()));
            }

            await Task.Delay(300);
        }
    }

    /// <summary>Plays the kubelet: every pod of the namespace is Running and Ready, started ten minutes ago (past the CPU initialisation period).</summary>
    private static async Task MakePodsRunningAsync(Kubernetes client, string ns)
    {
        foreach (var pod in (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase != "Running"))
        {
            pod.Status.Phase = "Running";
            pod.Status.StartTime = DateTime.UtcNow.AddMinutes(-10);
            pod.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = DateTime.UtcNow.AddMinutes(-9) }];
            try
            {
                await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, pod.Metadata.Name, ns);
            }
            catch (k8s.Autorest.HttpOperationException)
            {
            }
        }
    }

    [Fact]
    public async Task Autoscale_WithoutPodMetrics_ShowsUnknownTarget_AndReportsWhy()
    {
        await using var server = await SkiffServer.StartAsync(null, "--horizontal-pod-autoscaler-sync-period", "1s");
        var kubectl = new Kubectl(server.Kubeconfig);
        await kubectl.OkWithInputAsync("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: hpa-nometrics\n", "create", "-f", "-");
        await kubectl.OkWithInputAsync(Deployment("web"), "-n", "hpa-nometrics", "apply", "-f", "-");
        Assert.Contains("horizontalpodautoscaler.autoscaling/web autoscaled", await kubectl.OkAsync("-n", "hpa-nometrics", "autoscale", "deployment", "web", "--cpu-percent=50", "--min=1", "--max=5"));

        var table = await kubectl.OkAsync("-n", "hpa-nometrics", "get", "hpa");
        Assert.Matches(@"NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE", table);
        Assert.Matches(@"web\s+Deployment/web\s+cpu: <unknown>/50%\s+1\s+5\s+", table);

        await EventuallyAsync(
            async () => (await kubectl.OkAsync("-n", "hpa-nometrics", "describe", "hpa", "web")).Contains("FailedGetResourceMetric", StringComparison.Ordinal),
            "the HPA to report that it cannot get metrics",
            () => kubectl.OkAsync("-n", "hpa-nometrics", "describe", "hpa", "web"));
        var described = await kubectl.OkAsync("-n", "hpa-nometrics", "describe", "hpa", "web");
        Assert.Matches(@"AbleToScale\s+True\s+SucceededGetScale", described);
        Assert.Matches(@"ScalingActive\s+False\s+FailedGetResourceMetric\s+the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API", described);
        Assert.Matches(@"web\s+Deployment/web\s+cpu: <unknown>/50%\s+1\s+5\s+1\s+", await kubectl.OkAsync("-n", "hpa-nometrics", "get", "hpa"));
    }

    [Fact]
    public async Task Autoscale_WithTestMetrics_ScalesUpToMax_ThenDown_ReportingInKubectl()
    {
        await using var server = await SkiffServer.StartAsync(null, "--disable-controller-manager");
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.Kubeconfig));
        var metrics = new TestMetrics(client);
        using var connection = new ApiConnection(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.Kubeconfig));
        var options = new ControllerManagerOptions { LeaderElect = false };
        options.NodesAndAutoscaling.PodAutoscaler.MetricsSource = metrics;
        options.NodesAndAutoscaling.PodAutoscaler.SyncPeriod = TimeSpan.FromSeconds(1);
        options.NodesAndAutoscaling.PodAutoscaler.DownscaleStabilizationWindow = TimeSpan.FromSeconds(3);
        var manager = new ControllerManager(connection, options, TimeProvider.System, NullLoggerFactory.Instance);
        using var cts = new CancellationTokenSource();
        var run = manager.RunAsync(cts.Token);
        try
        {
            const string ns = "hpa-scale";
            var kubectl = new Kubectl(server.Kubeconfig);
            await kubectl.OkWithInputAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "create", "-f", "-");
            await kubectl.OkWithInputAsync(Deployment("web"), "-n", ns, "apply", "-f", "-");
            await EventuallyAsync(async () => (await client.CoreV1.ListNamespacedPodAsync(ns)).Items.Any(p => p.Status?.Phase == "Running"), "the deployment's pod running", step: () => MakePodsRunningAsync(client, ns));

            // Every pod uses 200m of its 100m request: 200% against 50% asks for 4×, which from one replica is 4.
            metrics.PerPodMilliCpu = 200;
            await kubectl.OkAsync("-n", ns, "autoscale", "deployment", "web", "--cpu-percent=50", "--min=1", "--max=5");
            Task<string> Describe() => kubectl.OkAsync("-n", ns, "describe", "hpa", "web");
            await EventuallyAsync(
                async () => (await Describe()).Contains("New size: 4; reason: cpu resource utilization (percentage of request) above target", StringComparison.Ordinal),
                "scale-up event to 4",
                Describe,
                () => MakePodsRunningAsync(client, ns));
            // (Once the new pods run, the next sync may already have gone on to 5.)
            Assert.InRange((await client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas ?? 0, 4, 5);

            // With four busy pods the next step is capped at maxReplicas.
            await EventuallyAsync(
                async () => (await client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas == 5,
                "scale to maxReplicas 5",
                Describe,
                () => MakePodsRunningAsync(client, ns));
            await EventuallyAsync(
                async () => (await Describe()).Contains("ScalingLimited", StringComparison.Ordinal)
                    && System.Text.RegularExpressions.Regex.IsMatch(await Describe(), @"ScalingLimited\s+True\s+TooManyReplicas"),
                "ScalingLimited TooManyReplicas",
                Describe,
                () => MakePodsRunningAsync(client, ns));
            await EventuallyAsync(
                async () => System.Text.RegularExpressions.Regex.IsMatch(await kubectl.OkAsync("-n", ns, "get", "hpa", "web"), @"web\s+Deployment/web\s+cpu: 200%/50%\s+1\s+5\s+5\s+"),
                "kubectl get hpa showing cpu: 200%/50% and 5 replicas",
                () => kubectl.OkAsync("-n", ns, "get", "hpa", "web"),
                () => MakePodsRunningAsync(client, ns));

            // Load drops to 10%: after the (shortened) stabilization window it scales down to the minimum.
            metrics.PerPodMilliCpu = 10;
            await EventuallyAsync(
                async () => (await Describe()).Contains("New size: 1; reason: All metrics below target", StringComparison.Ordinal),
                "scale-down to 1",
                Describe);
            Assert.Equal(1, (await client.AppsV1.ReadNamespacedDeploymentAsync("web", ns)).Spec.Replicas);
            var hpa = await client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync("web", ns);
            Assert.NotNull(hpa.Status.LastScaleTime);
            Assert.Equal(1, hpa.Status.DesiredReplicas);
        }
        finally
        {
            await cts.CancelAsync();
            await run.WaitAsync(TimeSpan.FromSeconds(20)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>A metrics source the test sets: every running pod matching the selector uses the same CPU.</summary>
    private sealed class TestMetrics(Kubernetes client) : IMetricsSource
    {
        public long PerPodMilliCpu { get; set; }

        public async Task<IReadOnlyDictionary<string, PodMetric>> GetResourceMetricAsync(string resource, string ns, string labelSelector, string? container, CancellationToken cancellationToken)
        {
            var pods = await client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: labelSelector, cancellationToken: cancellationToken);
            return pods.Items.Where(p => p.Status?.Phase == "Running")
                .ToDictionary(p => p.Metadata.Name, _ => new PodMetric(PerPodMilliCpu, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30)));
        }
    }
}
