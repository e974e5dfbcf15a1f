using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Skiff.E2E.Support;
using Xunit.Abstractions;

namespace Skiff.E2E;

/// <summary>
/// Resource metrics end to end on a real node agent: the agent's cgroup figures, scraped by the API server into
/// metrics.k8s.io, read by the real <c>kubectl top</c> and by the HorizontalPodAutoscaler. A busy pod
/// (<c>while :; do :; done</c>) shows CPU; an idle one shows next to none.
/// </summary>
public sealed class MetricsTopTests(NodeServerFixture fixture, ITestOutputHelper output) : IClassFixture<NodeServerFixture>
{
    private readonly NodeServer _node = fixture.Node;

    private Kubectl K => _node.Kubectl;

    private static string Deployment(string name, string command) => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: {{name}}}
        spec:
          replicas: 1
          selector:
            matchLabels:
              app: {{name}}
          template:
            metadata:
              labels:
                app: {{name}}
                tier: metrics-test
            spec:
              terminationGracePeriodSeconds: 0
              containers:
              - name: main
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "{{command}}"]
                resources:
                  requests: {cpu: 100m}
        """;

    [Fact]
    public async Task Kubectl_top_shows_a_busy_pods_cpu_and_memory_and_the_node_and_the_hpa_scales_the_busy_deployment_only()
    {
        await K.OkWithInputAsync(Deployment("busy", "while :; do :; done"), "apply", "-f", "-");
        await K.OkWithInputAsync(Deployment("idle", "sleep 3600"), "apply", "-f", "-");
        await K.OkAsync("autoscale", "deployment", "busy", "--cpu-percent=50", "--min=1", "--max=2");
        await K.OkAsync("autoscale", "deployment", "idle", "--cpu-percent=50", "--min=1", "--max=2");

        // Two scrapes of the node make the first window; then kubectl top has figures for both pods.
        string top = "";
        await _node.EventuallyAsync(async () =>
        {
            var result = await K.RunAsync("top", "pods", "-l", "tier=metrics-test", "--sort-by=cpu");
            top = result.Stdout;
            return result.ExitCode == 0 && Regex.IsMatch(top, @"^busy-\S+\s+\d+m", RegexOptions.Multiline) && Regex.IsMatch(top, @"^idle-\S+\s+\d+m", RegexOptions.Multiline);
        }, "kubectl top pods to show both pods", 180);

        output.WriteLine(top);
        var lines = top.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*$", lines[0]);
        Assert.StartsWith("busy-", lines[1]);
        Assert.StartsWith("idle-", lines[2]);
        Assert.True(MilliCores(lines[1]) >= 50, "a busy loop uses a good part of a core:\n" + top);
        Assert.True(MilliCores(lines[2]) < MilliCores(lines[1]), top);
        Assert.Matches(@"^busy-\S+\s+\d+m\s+\d+Mi\s*$", lines[1]);

        var busyPod = lines[1].Split(' ')[0];
        using (var raw = JsonDocument.Parse(await K.OkAsync("get", "--raw", $"/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/{busyPod}")))
        {
            var root = raw.RootElement;
            Assert.Equal("PodMetrics", root.GetProperty("kind").GetString());
            Assert.Equal("busy", root.GetProperty("metadata").GetProperty("labels").GetProperty("app").GetString());
            Assert.Matches(@"^\d+(\.\d+)?s$", root.GetProperty("window").GetString());
            var container = root.GetProperty("containers")[0];
            Assert.Equal("main", container.GetProperty("name").GetString());
            Assert.Matches(@"^[1-9]\d*(n|u|m)?$", container.GetProperty("usage").GetProperty("cpu").GetString());
            Assert.Matches(@"^[1-9]\d*(Ki|Mi)?$", container.GetProperty("usage").GetProperty("memory").GetString());
        }

        Assert.Matches(@"POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*\n" + Regex.Escape(busyPod) + @"\s+main\s+\d+m\s+\d+Mi",
            await K.OkAsync("top", "pods", "-l", "app=busy", "--containers"));
        Assert.Matches(@"NAMESPACE\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)[\s\S]*\ndefault\s+" + Regex.Escape(busyPod) + @"\s+\d+m",
            await K.OkAsync("top", "pods", "-A"));
        var missing = await K.RunAsync("top", "pod", "no-such-pod");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("podmetrics.metrics.k8s.io \"default/no-such-pod\" not found", missing.Stderr);

        var nodes = await K.OkAsync("top", "nodes");
        output.WriteLine(nodes);
        Assert.Matches(@"^NAME\s+CPU\(cores\)\s+CPU(%|\(%\))\s+MEMORY\(bytes\)\s+MEMORY(%|\(%\))", nodes);
        Assert.Matches(@"\n" + Regex.Escape(NodeServer.NodeName) + @"\s+[1-9]\d*m\s+\d+%\s+[1-9]\d*Mi\s+\d+%", nodes);

        // The node agent's own endpoints, asked directly with a client certificate of the cluster CA (as the API server does).
        using (var summary = JsonDocument.Parse(await KubeletGetAsync("/stats/summary")))
        {
            var node = summary.RootElement.GetProperty("node");
            Assert.Equal(NodeServer.NodeName, node.GetProperty("nodeName").GetString());
            Assert.True(node.GetProperty("memory").GetProperty("workingSetBytes").GetUInt64() > 0);
            Assert.True(node.GetProperty("cpu").GetProperty("usageCoreNanoSeconds").GetUInt64() > 0);
            var pod = summary.RootElement.GetProperty("pods").EnumerateArray().Single(p => p.GetProperty("podRef").GetProperty("name").GetString() == busyPod);
            Assert.Equal("default", pod.GetProperty("podRef").GetProperty("namespace").GetString());
            Assert.True(pod.GetProperty("cpu").GetProperty("usageCoreNanoSeconds").GetUInt64() > 0);
            var main = pod.GetProperty("containers").EnumerateArray().Single();
            Assert.Equal("main", main.GetProperty("name").GetString());
            Assert.True(main.GetProperty("memory").GetProperty("workingSetBytes").GetUInt64() > 0);
        }

        var resource = await KubeletGetAsync("/metrics/resource");
        Assert.Matches($@"container_cpu_usage_seconds_total{{container=""main"",namespace=""default"",pod=""{Regex.Escape(busyPod)}""}} [0-9.e+]+ \d{{13}}\n", resource);
        Assert.Matches(@"node_memory_working_set_bytes [0-9.e+]+ \d{13}\n", resource);

        // RBAC: the view role reads metrics (system:aggregated-metrics-reader); a user with no role does not.
        await K.OkAsync("create", "clusterrolebinding", "metrics-viewer", "--clusterrole=view", "--user=metrics-viewer");
        Assert.Contains(busyPod, await K.OkAsync("top", "pods", "--as=metrics-viewer"));
        var denied = await K.RunAsync("top", "pods", "--as=nobody");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("pods.metrics.k8s.io is forbidden: User \"nobody\" cannot list resource \"pods\" in API group \"metrics.k8s.io\" in the namespace \"default\"", denied.Stderr);

        // The HPA reads the same API: the busy deployment is far above 50% of its 100m request and scales to 2; the idle one stays at 1.
        await _node.EventuallyAsync(async () =>
            (await K.RunAsync("get", "deployment", "busy", "-o", "jsonpath={.spec.replicas}")).Stdout.Trim() == "2", "the busy deployment to be scaled to 2", 240);
        await _node.EventuallyAsync(async () =>
            Regex.IsMatch((await K.RunAsync("get", "hpa", "idle")).Stdout, @"idle\s+Deployment/idle\s+cpu: \d%/50%\s+1\s+2\s+1\s+"), "the idle HPA to show its low utilisation", 120);
        Assert.Equal("1", (await K.OkAsync("get", "deployment", "idle", "-o", "jsonpath={.spec.replicas}")).Trim());
        Assert.Matches(@"ScalingActive\s+True\s+ValidMetricFound", await K.OkAsync("describe", "hpa", "idle"));
        Assert.Contains("New size: 2; reason: cpu resource utilization (percentage of request) above target", await K.OkAsync("describe", "hpa", "busy"));

        await K.OkAsync("delete", "deployment", "busy", "idle", "--wait=false");
    }

    /// <summary>GETs a path of the node agent's HTTPS server with the admin client certificate from the kubeconfig.</summary>
    private async Task<string> KubeletGetAsync(string path)
    {
        var kubeconfig = await File.ReadAllTextAsync(_node.Kubeconfig);
        var cert = Path.Combine(_node.DataDir, "e2e-client.crt");
        var key = Path.Combine(_node.DataDir, "e2e-client.key");
        await File.WriteAllBytesAsync(cert, Convert.FromBase64String(Regex.Match(kubeconfig, @"client-certificate-data:\s*(\S+)").Groups[1].Value));
        await File.WriteAllBytesAsync(key, Convert.FromBase64String(Regex.Match(kubeconfig, @"client-key-data:\s*(\S+)").Groups[1].Value));
        var (code, output) = await _node.InNetnsAsync("curl", "-sSk", "--fail", "--cert", cert, "--key", key, "https://127.0.0.1:10250" + path);
        Assert.True(code == 0, output);
        return output;
    }

    private static int MilliCores(string row) => int.Parse(Regex.Match(row, @"\s(\d+)m\s").Groups[1].Value, CultureInfo.InvariantCulture);
}
