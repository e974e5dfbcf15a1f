using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Skiff.E2E.Support;
using Skiff.Tests.Support;

namespace Skiff.E2E;

/// <summary>
/// Several servers of one cluster on one etcd, set up as a user would: the second server gets only the first one's
/// token, and takes the cluster's CA, keys and token file from the datastore's bootstrap data. The <c>kubernetes</c>
/// Service's endpoints list every live server, and a killed server drops out.
/// </summary>
/// <remarks>
/// Both servers run on this machine's loopback (tests never listen on public addresses), each on its own loopback
/// address and the same port, as servers on separate machines would be. Each publishes a distinct
/// <c>--advertise-address</c> from TEST-NET-2 (198.51.100.0/24, never routed): no agent or proxy runs here, so these
/// addresses are only what the endpoints say, which is what this test checks.
/// </remarks>
public sealed class MultiServerTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string AdvertiseA = "198.51.100.1";
    private const string AdvertiseB = "198.51.100.2";

    [Fact]
    public async Task SecondServerWithOnlyTheToken_SharesTheCluster_AndEndpointsListEveryLiveServer()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        var token = "cluster-secret-" + Guid.NewGuid().ToString("N");
        var port = FreePort();
        await using var a = await SkiffServer.StartAsync(null,
            "--datastore-endpoint", etcd.ClientUrl.ToString(), "--token", token,
            "--bind-address", "127.0.0.2", "--https-listen-port", port.ToString(), "--advertise-address", AdvertiseA);

        // The second server: a fresh data directory and the token in a file (--token-file), nothing copied.
        var tokenFile = Path.Combine(Path.GetTempPath(), "skiff-e2e-token-" + Guid.NewGuid().ToString("N")[..8]);
        await File.WriteAllTextAsync(tokenFile, token + "\n");
        try
        {
            await using var b = await SkiffServer.StartAsync(null,
                "--datastore-endpoint", etcd.ClientUrl.ToString(), "--token-file", tokenFile,
                "--bind-address", "127.0.0.3", "--https-listen-port", port.ToString(), "--advertise-address", AdvertiseB);
            var kubectlA = new Kubectl(a.Kubeconfig);
            var kubectlB = new Kubectl(b.Kubeconfig, "1.30");

            // One CA and one service-account key for the cluster; a serving certificate of its own per server.
            Assert.Equal(ReadServerFile(a, "tls/server-ca.crt"), ReadServerFile(b, "tls/server-ca.crt"));
            Assert.Equal(ReadServerFile(a, "tls/server-ca.key"), ReadServerFile(b, "tls/server-ca.key"));
            Assert.Equal(ReadServerFile(a, "tls/service.key"), ReadServerFile(b, "tls/service.key"));
            Assert.Equal(ReadServerFile(a, "tokens.csv"), ReadServerFile(b, "tokens.csv"));
            Assert.NotEqual(ReadServerFile(a, "tls/serving-kube-apiserver.crt"), ReadServerFile(b, "tls/serving-kube-apiserver.crt"));
            Assert.Contains("from the cluster's bootstrap data", b.Log, StringComparison.Ordinal);

            // The same objects through either server.
            await kubectlA.OkAsync("create", "configmap", "shared", "--from-literal=k=a");
            Assert.Equal("a", await kubectlB.OkAsync("get", "configmap", "shared", "-o", "jsonpath={.data.k}"));
            await kubectlB.OkAsync("label", "configmap", "shared", "via=b");
            Assert.Equal("b", await kubectlA.OkAsync("get", "configmap", "shared", "-o", "jsonpath={.metadata.labels.via}"));

            // A service-account token issued by one server is accepted by the other (one shared signing key).
            var saToken = (await kubectlA.OkAsync("create", "token", "default")).Trim();
            var saKubeconfig = Path.Combine(b.DataDir, "sa.yaml");
            File.Copy(b.Kubeconfig, saKubeconfig);
            var asServiceAccount = new Kubectl(saKubeconfig);
            await asServiceAccount.OkAsync("config", "set-credentials", "sa", "--token=" + saToken);
            await asServiceAccount.OkAsync("config", "set-context", (await asServiceAccount.OkAsync("config", "current-context")).Trim(), "--user=sa");
            Assert.Equal("system:serviceaccount:default:default", (await asServiceAccount.OkAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")).Trim());

            // Both servers in the kubernetes Service's Endpoints and EndpointSlice, each with an identity Lease.
            var both = $"{AdvertiseA}:{port},{AdvertiseB}:{port}";
            await EventuallyAsync(async () => EndpointsColumn(await kubectlB.OkAsync("get", "endpoints", "kubernetes")) == both, $"endpoints {both}", a, b);
            Assert.Equal($"{AdvertiseA} {AdvertiseB}", (await kubectlA.OkAsync("get", "endpointslice", "kubernetes", "-o", "jsonpath={.endpoints[*].addresses[0]}")).Trim());
            var leases = JsonNode.Parse(await kubectlA.OkAsync("get", "leases", "-n", "kube-system", "-l", "apiserver.kubernetes.io/identity=kube-apiserver", "-o", "json"))!["items"]!.AsArray();
            Assert.Equal(2, leases.Count);
            Assert.All(leases, l => Assert.StartsWith("apiserver-", l!["metadata"]!["name"]!.GetValue<string>(), StringComparison.Ordinal));
            Assert.All(leases, l => Assert.Equal(3600, l!["spec"]!["leaseDurationSeconds"]!.GetValue<int>()));

            // kill -9: no chance to leave; A drops out once its lease is older than the TTL (15 s).
            var killed = System.Diagnostics.Stopwatch.StartNew();
            await a.KillAsync();
            await EventuallyAsync(async () => EndpointsColumn(await kubectlB.OkAsync("get", "endpoints", "kubernetes")) == $"{AdvertiseB}:{port}", "the killed server to drop out", a, b);
            output.WriteLine($"the killed server left the endpoints {killed.Elapsed.TotalSeconds:F1} s after kill -9");
            Assert.Equal(AdvertiseB, (await kubectlB.OkAsync("get", "endpointslice", "kubernetes", "-o", "jsonpath={.endpoints[*].addresses[0]}")).Trim());

            // Back again (restart on its data directory: it takes the same secrets), then a clean stop leaves at once.
            await a.RestartAsync("--datastore-endpoint", etcd.ClientUrl.ToString(), "--token", token,
                "--bind-address", "127.0.0.2", "--https-listen-port", port.ToString(), "--advertise-address", AdvertiseA);
            await EventuallyAsync(async () => EndpointsColumn(await kubectlB.OkAsync("get", "endpoints", "kubernetes")) == both, "the restarted server to come back", a, b);
            Assert.Equal(0, await a.StopAsync());
            Assert.Contains("left the endpoints of Service default/kubernetes", a.Log, StringComparison.Ordinal);
            Assert.Equal($"{AdvertiseB}:{port}", EndpointsColumn(await kubectlB.OkAsync("get", "endpoints", "kubernetes")));
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }

    [Fact]
    public async Task ServerWithAnotherToken_RefusesToStart_NamingTheCause()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        await using var first = await SkiffServer.StartAsync(null, "--datastore-endpoint", etcd.ClientUrl.ToString(), "--token", "the-right-token");

        var dataDir = Path.Combine(Path.GetTempPath(), "skiff-e2e-" + Guid.NewGuid().ToString("N")[..10]);
        try
        {
            var failed = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                SkiffServer.StartAsync(dataDir, "--datastore-endpoint", etcd.ClientUrl.ToString(), "--token", "a-wrong-token"));

            Assert.Contains("cannot use the cluster's bootstrap data: the datastore already holds a cluster's bootstrap data", failed.Message, StringComparison.Ordinal);
            Assert.Contains("sealed with a different server token", failed.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(dataDir, "server", "tls", "server-ca.key")));

            // Nothing of the refused start stands in the way: the same data directory joins with the right token.
            await using var second = await SkiffServer.StartAsync(dataDir, "--datastore-endpoint", etcd.ClientUrl.ToString(), "--token", "the-right-token");
            Assert.Equal(File.ReadAllText(Path.Combine(first.DataDir, "server", "tls", "server-ca.crt")), File.ReadAllText(Path.Combine(dataDir, "server", "tls", "server-ca.crt")));

            // The cluster is untouched: the first server still serves.
            await new Kubectl(first.Kubeconfig).OkAsync("get", "namespace", "default");
        }
        finally
        {
            // The joined server deletes its data directory when disposed; this covers a failure before it started.
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    /// <summary>The ENDPOINTS column of <c>kubectl get endpoints NAME</c>.</summary>
    private static string EndpointsColumn(string table)
    {
        var row = table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Single();
        return row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
    }

    private static string ReadServerFile(SkiffServer server, string path) => File.ReadAllText(Path.Combine(server.DataDir, "server", path));

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, params SkiffServer[] servers)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting for {what}\n" + string.Join("\n--- server ---\n", servers.Select(s => s.Log)));
            }

            await Task.Delay(500);
        }
    }

    /// <summary>A port free on the loopback addresses the servers bind (127.0.0.2 and 127.0.0.3).</summary>
    private static int FreePort()
    {
        while (true)
        {
            using var probe = new TcpListener(IPAddress.Parse("127.0.0.2"), 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            try
            {
                using var other = new TcpListener(IPAddress.Parse("127.0.0.3"), port);
                other.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken on the other address: try another.
            }
        }
    }
}
