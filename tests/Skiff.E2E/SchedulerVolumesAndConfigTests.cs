using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// The scheduler's volume topology and PodDisruptionBudget-aware preemption in a real <c>skiff server</c>, driven
/// with the real kubectl. No PV controller or kubelet runs here: where their half is needed the test plays it
/// (binding a claim, finishing a victim's deletion), as kube-scheduler's own integration tests do.
/// </summary>
public sealed class SchedulerVolumesTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string NotHelpful = " preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";

    private static string Node(string name, string cpu = "4") => string.Join('\n',
        "apiVersion: v1",
        "kind: Node",
        "metadata:",
        $"  name: {name}",
        "  labels:",
        $"    kubernetes.io/hostname: {name}",
        "status:",
        $"  capacity: {{cpu: \"{cpu}\", memory: 8Gi, pods: \"110\"}}",
        $"  allocatable: {{cpu: \"{cpu}\", memory: 8Gi, pods: \"110\"}}",
        "---",
        "");

    private static string Pod(string name, string claim) => string.Join('\n',
        "apiVersion: v1",
        "kind: Pod",
        "metadata:",
        $"  name: {name}",
        "spec:",
        "  containers: [{name: c, image: nginx}]",
        "  volumes:",
        "  - name: data",
        "    persistentVolumeClaim:",
        $"      claimName: {claim}",
        "");

    private static string Claim(string name, string cls, string volumeName = "") => string.Join('\n',
        "apiVersion: v1",
        "kind: PersistentVolumeClaim",
        "metadata:",
        $"  name: {name}",
        "spec:",
        $"  storageClassName: {cls}",
        "  accessModes: [ReadWriteOnce]",
        "  resources: {requests: {storage: 1Gi}}",
        volumeName.Length > 0 ? $"  volumeName: {volumeName}" : "",
        "---",
        "");

    private static string LocalVolume(string name, string node, string cls = "e2e-local") => string.Join('\n',
        "apiVersion: v1",
        "kind: PersistentVolume",
        "metadata:",
        $"  name: {name}",
        "spec:",
        $"  storageClassName: {cls}",
        "  capacity: {storage: 2Gi}",
        "  accessModes: [ReadWriteOnce]",
        "  local:",
        $"    path: /mnt/{name}",
        "  nodeAffinity:",
        "    required:",
        "      nodeSelectorTerms:",
        "      - matchExpressions:",
        "        - key: kubernetes.io/hostname",
        "          operator: In",
        $"          values: [{node}]",
        "---",
        "");

    private const string Classes = """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: e2e-local}
        provisioner: kubernetes.io/no-provisioner
        volumeBindingMode: WaitForFirstConsumer
        ---
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: e2e-immediate}
        provisioner: example.com/immediate
        volumeBindingMode: Immediate
        """;

    private async Task<Kubectl> FreshAsync(string ns, params string[] nodes)
    {
        var kubectl = fixture.Kubectl();
        await kubectl.OkAsync("delete", "nodes", "--all", "--wait=false");
        await kubectl.OkWithInputAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "create", "-f", "-");
        await kubectl.OkWithInputAsync(string.Concat(nodes.Select(n => Node(n))), "apply", "-f", "-");
        await kubectl.OkWithInputAsync(Classes, "apply", "-f", "-");
        return kubectl;
    }

    private static async Task<string> EventuallyAsync(Func<Task<string>> read, Func<string, bool> done, string what)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"timed out waiting for {what}; last seen: {value}");
            }

            await Task.Delay(200);
        }
    }

    private static Task<string> JsonPathAsync(Kubectl kubectl, string ns, string what, string path) =>
        kubectl.OkAsync("-n", ns, "get", what, "-o", "jsonpath=" + path);

    [Fact]
    public async Task ClaimBoundToLocalVolume_PinsPodToThatNode()
    {
        const string ns = "vol-pinned";
        var kubectl = await FreshAsync(ns, "pin-a", "pin-b", "pin-c");
        await kubectl.OkWithInputAsync(LocalVolume("e2e-pv-pin-b", "pin-b"), "apply", "-f", "-");
        await kubectl.OkWithInputAsync(Claim("data", "e2e-local", volumeName: "e2e-pv-pin-b"), "-n", ns, "apply", "-f", "-");
        await kubectl.OkWithInputAsync(Pod("app", "data"), "-n", ns, "apply", "-f", "-");

        var node = await EventuallyAsync(() => JsonPathAsync(kubectl, ns, "pod/app", "{.spec.nodeName}"), n => n.Length > 0, "pod app to be bound");

        Assert.Equal("pin-b", node);
    }

    [Fact]
    public async Task WaitForFirstConsumer_SchedulerBindsVolume_PodBoundAfterClaimIs()
    {
        const string ns = "vol-wffc";
        var kubectl = await FreshAsync(ns, "wffc-a", "wffc-b", "wffc-c");
        await kubectl.OkWithInputAsync(LocalVolume("e2e-pv-wffc-c", "wffc-c"), "apply", "-f", "-");
        await kubectl.OkWithInputAsync(Claim("data", "e2e-local"), "-n", ns, "apply", "-f", "-");
        await kubectl.OkWithInputAsync(Pod("app", "data"), "-n", ns, "apply", "-f", "-");

        // The scheduler chose the only volume that fits and wrote its claimRef, like kube-scheduler's binder.
        var claimRef = await EventuallyAsync(() => kubectl.OkAsync("get", "pv", "e2e-pv-wffc-c", "-o", "jsonpath={.spec.claimRef.namespace}/{.spec.claimRef.name}"), r => r != "/", "the volume's claimRef");
        Assert.Equal($"{ns}/data", claimRef);
        Assert.Equal("", await JsonPathAsync(kubectl, ns, "pod/app", "{.spec.nodeName}"));

        // The PV controller's half: bind the claim to the volume.
        await kubectl.OkAsync("-n", ns, "patch", "pvc", "data", "--type=merge", "-p", """{"spec":{"volumeName":"e2e-pv-wffc-c"}}""");
        await kubectl.OkAsync("-n", ns, "patch", "pvc", "data", "--subresource=status", "--type=merge", "-p", """{"status":{"phase":"Bound"}}""");

        var node = await EventuallyAsync(() => JsonPathAsync(kubectl, ns, "pod/app", "{.spec.nodeName}"), n => n.Length > 0, "pod app to be bound");
        Assert.Equal("wffc-c", node);
    }

    [Fact]
    public async Task WaitForFirstConsumer_WithProvisioner_ClaimGetsSelectedNode()
    {
        const string ns = "vol-provision";
        var kubectl = await FreshAsync(ns, "prov-a");
        await kubectl.OkWithInputAsync("""
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: e2e-provisioned}
            provisioner: example.com/e2e
            volumeBindingMode: WaitForFirstConsumer
            """, "apply", "-f", "-");
        await kubectl.OkWithInputAsync(Claim("data", "e2e-provisioned"), "-n", ns, "apply", "-f", "-");
        await kubectl.OkWithInputAsync(Pod("app", "data"), "-n", ns, "apply", "-f", "-");

        var selected = await EventuallyAsync(
            () => JsonPathAsync(kubectl, ns, "pvc/data", """{.metadata.annotations.volume\.kubernetes\.io/selected-node} {.metadata.annotations.volume\.kubernetes\.io/storage-provisioner}"""),
            s => s.Trim().Length > 0, "the selected-node annotation");
        Assert.Equal("prov-a example.com/e2e", selected);
    }

    [Theory]
    [InlineData("vol-msg-bind", "e2e-local", "", "0/3 nodes are available: 3 node(s) didn't find available persistent volumes to bind." + NotHelpful)]
    [InlineData("vol-msg-affinity", "e2e-local", "e2e-pv-elsewhere", "0/3 nodes are available: 3 node(s) had volume node affinity conflict." + NotHelpful)]
    [InlineData("vol-msg-immediate", "e2e-immediate", "", "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims." + NotHelpful)]
    public async Task Unschedulable_KubernetesMessages(string ns, string cls, string volume, string expected)
    {
        var kubectl = await FreshAsync(ns, ns + "-1", ns + "-2", ns + "-3");
        await kubectl.OkWithInputAsync(LocalVolume("e2e-pv-elsewhere", "somewhere-else"), "apply", "-f", "-");
        await kubectl.OkWithInputAsync(Claim("data", cls, volume), "-n", ns, "apply", "-f", "-");
        await kubectl.OkWithInputAsync(Pod("app", "data"), "-n", ns, "apply", "-f", "-");

        var message = await EventuallyAsync(
            () => JsonPathAsync(kubectl, ns, "pod/app", """{.status.conditions[?(@.type=="PodScheduled")].message}"""),
            m => m.Length > 0, "the PodScheduled condition");
        Assert.Equal(expected, message);
        Assert.Contains(expected, await kubectl.OkAsync("-n", ns, "get", "events", "--field-selector", "reason=FailedScheduling", "-o", "jsonpath={.items[*].message}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preemption_PrefersVictimsNoDisruptionBudgetProtects()
    {
        const string ns = "pdb-preempt";
        var kubectl = fixture.Kubectl();
        await kubectl.OkAsync("delete", "nodes", "--all", "--wait=false");
        await kubectl.OkWithInputAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "create", "-f", "-");
        await kubectl.OkWithInputAsync(Node("pdb-1", "1") + Node("pdb-2", "1"), "apply", "-f", "-");
        await kubectl.OkWithInputAsync("""
            apiVersion: scheduling.k8s.io/v1
            kind: PriorityClass
            metadata: {name: e2e-urgent}
            value: 1000
            ---
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata: {name: db}
            spec:
              minAvailable: 1
              selector: {matchLabels: {app: db}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: db-0, labels: {app: db}}
            spec:
              nodeName: pdb-1
              containers: [{name: c, image: nginx, resources: {requests: {cpu: "1"}}}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: web-0, labels: {app: web}}
            spec:
              nodeName: pdb-2
              containers: [{name: c, image: nginx, resources: {requests: {cpu: "1"}}}]
            """, "-n", ns, "apply", "-f", "-");

        // The budget allows no disruption (status as the disruption controller would report it).
        await kubectl.OkAsync("-n", ns, "patch", "pdb", "db", "--subresource=status", "--type=merge", "-p", """{"status":{"disruptionsAllowed":0,"currentHealthy":1,"desiredHealthy":1,"expectedPods":1}}""");
        await kubectl.OkWithInputAsync("""
            apiVersion: v1
            kind: Pod
            metadata: {name: urgent}
            spec:
              priorityClassName: e2e-urgent
              containers: [{name: c, image: nginx, resources: {requests: {cpu: "1"}}}]
            """, "-n", ns, "apply", "-f", "-");

        var nominated = await EventuallyAsync(() => JsonPathAsync(kubectl, ns, "pod/urgent", "{.status.nominatedNodeName}"), n => n.Length > 0, "the nominated node");
        Assert.Equal("pdb-2", nominated);

        // web-0 is being deleted; with no kubelet here, finish its deletion as the kubelet would.
        await EventuallyAsync(() => kubectl.OkAsync("-n", ns, "get", "pods", "-o", "jsonpath={range .items[?(@.metadata.deletionTimestamp)]}{.metadata.name} {end}"), s => s.Trim().Length > 0, "a victim");
        Assert.Equal("web-0", (await kubectl.OkAsync("-n", ns, "get", "pods", "-o", "jsonpath={range .items[?(@.metadata.deletionTimestamp)]}{.metadata.name} {end}")).Trim());
        await kubectl.OkAsync("-n", ns, "delete", "pod", "web-0", "--grace-period=0", "--force");

        var node = await EventuallyAsync(() => JsonPathAsync(kubectl, ns, "pod/urgent", "{.spec.nodeName}"), n => n.Length > 0, "pod urgent to be bound");
        Assert.Equal("pdb-2", node);
        Assert.Equal("", await JsonPathAsync(kubectl, ns, "pod/db-0", "{.metadata.deletionTimestamp}"));
    }
}

/// <summary>
/// <c>skiff server --scheduler-config</c>: a KubeSchedulerConfiguration with a second profile and a plugin disabled
/// at one extension point, and a bad file that stops start-up with an error naming the field.
/// </summary>
public sealed class SchedulerConfigTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "skiff-e2e-schedcfg-" + Guid.NewGuid().ToString("N")[..8]);
    private SkiffServer? _server;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        var config = Path.Combine(_dir, "scheduler.yaml");
        await File.WriteAllTextAsync(config, """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            profiles:
            - schedulerName: default-scheduler
            - schedulerName: taint-blind
              plugins:
                filter:
                  disabled:
                  - name: TaintToleration
            """);
        _server = await SkiffServer.StartAsync(Path.Combine(_dir, "data"), "--scheduler-config", config);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task SecondProfile_SchedulesItsPods_WithTheDisabledPluginReallyOff()
    {
        var kubectl = new Kubectl(_server!.Kubeconfig);
        await kubectl.OkWithInputAsync("""
            apiVersion: v1
            kind: Node
            metadata: {name: tainted, labels: {kubernetes.io/hostname: tainted}}
            spec:
              taints: [{key: dedicated, value: infra, effect: NoSchedule}]
            status:
              capacity: {cpu: "4", memory: 8Gi, pods: "110"}
              allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: blind}
            spec:
              schedulerName: taint-blind
              containers: [{name: c, image: nginx}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: strict}
            spec:
              containers: [{name: c, image: nginx}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: unknown}
            spec:
              schedulerName: no-such-scheduler
              containers: [{name: c, image: nginx}]
            """, "apply", "-f", "-");

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        string blind, strictMessage;
        do
        {
            await Task.Delay(200);
            blind = await kubectl.OkAsync("get", "pod", "blind", "-o", "jsonpath={.spec.nodeName}");
            strictMessage = await kubectl.OkAsync("get", "pod", "strict", "-o", """jsonpath={.status.conditions[?(@.type=="PodScheduled")].message}""");
        }
        while ((blind.Length == 0 || strictMessage.Length == 0) && DateTime.UtcNow < until);

        Assert.Equal("tainted", blind);
        Assert.Equal("0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: infra}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.", strictMessage);

        // A pod for a scheduler no profile names is left alone.
        Assert.Equal("", await kubectl.OkAsync("get", "pod", "unknown", "-o", "jsonpath={.spec.nodeName}{.status.conditions}"));
        Assert.Contains("taint-blind", _server.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadConfig_StartupFails_NamingTheField()
    {
        var bad = Path.Combine(_dir, "bad.yaml");
        await File.WriteAllTextAsync(bad, """
            apiVersion: kubescheduler.config.k8s.io/v1
            kind: KubeSchedulerConfiguration
            profiles:
            - schedulerName: default-scheduler
              plugins:
                filter:
                  disabled:
                  - name: NoSuchPlugin
            """);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => SkiffServer.StartAsync(Path.Combine(_dir, "bad-data"), "--scheduler-config", bad));

        Assert.Contains($"--scheduler-config {bad}: invalid scheduler configuration: profiles[0].plugins.filter.disabled[0].name: Invalid value: \"NoSuchPlugin\": no such plugin", ex.Message, StringComparison.Ordinal);
    }
}
