using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Skiff.E2E.Support;
using Skiff.Tests.Support;

namespace Skiff.E2E;

/// <summary>
/// Servers on a real etcd (started per test): kubectl against one server sees what was written through another,
/// watches on one server see writes made through the other (each watch cache is fed by etcd's watch), and the
/// controller manager and scheduler run on one server at a time, moving to a standby when the leader is killed.
/// </summary>
public sealed class EtcdTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan FailoverLimit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task OneServerOnEtcd_ServesCreateGetWatch_AndReadyzReportsEtcd()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        await using var server = await SkiffServer.StartAsync(null, "--datastore-endpoint", etcd.ClientUrl.ToString());
        var kubectl = new Kubectl(server.Kubeconfig);

        await using var watch = await kubectl.StartAsync("get", "configmaps", "-n", "default", "-w", "--output-watch-events");
        await kubectl.OkAsync("create", "configmap", "on-etcd", "--from-literal=k=v");
        await watch.WaitForOutputAsync(@"^ADDED\s+on-etcd\s");

        Assert.Equal("v", await kubectl.OkAsync("get", "configmap", "on-etcd", "-o", "jsonpath={.data.k}"));
        var readyz = await kubectl.OkAsync("get", "--raw", "/readyz?verbose");
        Assert.Contains("[+]etcd ok", readyz, StringComparison.Ordinal);
        Assert.Contains("readyz check passed", readyz, StringComparison.Ordinal);
        Assert.Contains("etcd datastore", server.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EtcdDown_ReadyzFailsNamingEtcd()
    {
        var etcd = await EtcdProcess.StartAsync();
        await using var server = await SkiffServer.StartAsync(null, "--datastore-endpoint", etcd.ClientUrl.ToString());
        var kubectl = new Kubectl(server.Kubeconfig);

        await etcd.DisposeAsync();

        var result = await kubectl.RunAsync("get", "--raw", "/readyz?verbose");
        Assert.NotEqual(0, result.ExitCode);
        var etcdCheck = await kubectl.RunAsync("get", "--raw", "/readyz/etcd");
        Assert.NotEqual(0, etcdCheck.ExitCode);
        Assert.Contains("Health check etcd failed", server.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoServersOnOneEtcd_SeeEachOthersObjectsAndWatchEvents()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        await using var a = await SkiffServer.StartAsync(null, "--datastore-endpoint", etcd.ClientUrl.ToString());
        await using var b = await StartSecondServerAsync(a, etcd);
        var kubectlA = new Kubectl(a.Kubeconfig);
        var kubectlB = new Kubectl(b.Kubeconfig, "1.30");

        await using var watchOnB = await kubectlB.StartAsync("get", "configmaps", "-n", "default", "-w", "--output-watch-events");
        await using var watchOnA = await kubectlA.StartAsync("get", "configmaps", "-n", "default", "-w", "--output-watch-events");
        await kubectlA.OkAsync("create", "configmap", "from-a", "--from-literal=k=a");
        await kubectlB.OkAsync("create", "configmap", "from-b", "--from-literal=k=b");
        await kubectlB.OkAsync("label", "configmap", "from-a", "seen-by=b");
        await kubectlA.OkAsync("delete", "configmap", "from-b");

        await watchOnB.WaitForOutputAsync(@"^ADDED\s+from-a\s");
        await watchOnB.WaitForOutputAsync(@"^MODIFIED\s+from-a\s");
        await watchOnB.WaitForOutputAsync(@"^DELETED\s+from-b\s");
        await watchOnA.WaitForOutputAsync(@"^ADDED\s+from-b\s");
        await watchOnA.WaitForOutputAsync(@"^MODIFIED\s+from-a\s");
        Assert.Equal("b", await kubectlA.OkAsync("get", "configmap", "from-a", "-o", "jsonpath={.metadata.labels.seen-by}"));
        Assert.Equal("configmap/from-a", (await kubectlB.OkAsync("get", "configmaps", "-n", "default", "-o", "name", "--field-selector", "metadata.name!=kube-root-ca.crt")).Trim());

        // A conflicting write through the other server is refused: both servers share etcd's revisions.
        var rv = await kubectlA.OkAsync("get", "configmap", "from-a", "-o", "jsonpath={.metadata.resourceVersion}");
        await kubectlB.OkAsync("annotate", "configmap", "from-a", "bump=1");
        var stale = await kubectlA.RunAsync("annotate", "configmap", "from-a", "again=1", "--resource-version", rv);
        Assert.NotEqual(0, stale.ExitCode);
        Assert.Contains("the object has been modified", stale.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoServers_ControllersRunOnOneLeader_AndAStandbyTakesOverWhenItIsKilled()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        await using var a = await SkiffServer.StartAsync(null, "--datastore-endpoint", etcd.ClientUrl.ToString());
        await using var b = await StartSecondServerAsync(a, etcd);
        var kubectlB = new Kubectl(b.Kubeconfig);

        // One holder per lease, and it is one of the two servers.
        var servers = new[] { a, b };
        var leader = await WaitAsync(() => servers.SingleOrDefault(s => Acquired(s, "kube-controller-manager") is not null), "a controller manager leader");
        var holder = await LeaseHolderAsync(kubectlB, "kube-controller-manager");
        Assert.Equal(Acquired(leader, "kube-controller-manager"), holder);
        var standby = leader == a ? b : a;
        Assert.Null(Acquired(standby, "kube-controller-manager"));
        await WaitUntilAsync(() => Task.FromResult(servers.Count(s => Acquired(s, "kube-scheduler") is not null) == 1), "one scheduler leader");

        // The controllers work through either server: a Deployment made on B gets its ReplicaSet and pods.
        await kubectlB.OkAsync("create", "deployment", "before", "--image=registry.k8s.io/pause:3.10", "--replicas=2");
        await WaitUntilAsync(async () => await PodCountAsync(kubectlB, "app=before") == 2, "2 pods of deployment/before");

        var killed = System.Diagnostics.Stopwatch.StartNew();
        await leader.KillAsync();
        var survivor = new Kubectl(standby.Kubeconfig);
        var newHolder = await WaitAsync(() => Acquired(standby, "kube-controller-manager"), "the standby to acquire the controller manager lease", FailoverLimit);
        output.WriteLine($"failover: the standby held the controller manager lease {killed.Elapsed.TotalSeconds:F1} s after kill -9 of the leader (observed at a 250 ms poll)");
        Assert.Equal(newHolder, await LeaseHolderAsync(survivor, "kube-controller-manager"));
        await WaitAsync(() => Acquired(standby, "kube-scheduler"), "the standby to acquire the scheduler lease", FailoverLimit);

        await survivor.OkAsync("create", "deployment", "after", "--image=registry.k8s.io/pause:3.10", "--replicas=3");
        await WaitUntilAsync(async () => await PodCountAsync(survivor, "app=after") == 3, "3 pods of deployment/after", FailoverLimit);
        Assert.Equal(2, await PodCountAsync(survivor, "app=before"));
    }

    /// <summary>
    /// A second server of the same cluster: given only the first one's token (as a joining k3s server is), it takes
    /// the cluster's CA, keys and tokens from etcd's bootstrap data; it has its own port and kubeconfig.
    /// </summary>
    private static async Task<SkiffServer> StartSecondServerAsync(SkiffServer first, EtcdProcess etcd)
    {
        var token = File.ReadAllText(Path.Combine(first.DataDir, "server", "token")).Trim();
        return await SkiffServer.StartAsync(null, "--datastore-endpoint", etcd.ClientUrl.ToString(), "--token", token);
    }

    /// <summary>The identity with which <paramref name="server"/> last acquired the lease, from its log; null if it never did.</summary>
    private static string? Acquired(SkiffServer server, string lease)
    {
        var matches = Regex.Matches(server.Log, $@"(\S+) acquired lease kube-system/{Regex.Escape(lease)}");
        return matches.Count == 0 ? null : matches[^1].Groups[1].Value;
    }

    private static async Task<string> LeaseHolderAsync(Kubectl kubectl, string lease) =>
        (await kubectl.OkAsync("get", "lease", lease, "-n", "kube-system", "-o", "jsonpath={.spec.holderIdentity}")).Trim();

    private static async Task<int> PodCountAsync(Kubectl kubectl, string selector)
    {
        var json = await kubectl.OkAsync("get", "pods", "-n", "default", "-l", selector, "-o", "json");
        return JsonNode.Parse(json)!["items"]!.AsArray().Count;
    }

    private static Task<T> WaitAsync<T>(Func<T?> probe, string what, TimeSpan? limit = null) where T : class =>
        WaitAsync(() => Task.FromResult(probe()), what, limit);

    private static Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? limit = null) =>
        WaitAsync(async () => await condition() ? what : null, what, limit);

    private static async Task<T> WaitAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? limit = null) where T : class
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}");
            }

            await Task.Delay(250);
        }
    }
}
