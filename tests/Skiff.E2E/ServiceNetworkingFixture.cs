using System.Diagnostics;
using System.Net;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// One node (server + agent) in its own network namespace, with a real address on a veth pair whose other end is in
/// a second namespace playing an outside client and the outside resolver (a <see cref="FakeUpstreamDns"/> named in
/// the node's <c>--resolv-conf</c>). Nothing is routed out of the two namespaces. Also starts the shared workload:
/// Deployment <c>web</c> (3 busybox httpd pods answering their hostname at / and the client address at /cgi-bin/ip),
/// a pod <c>web-unready</c> with the same labels whose readiness probe always fails, and Service <c>web</c>.
/// </summary>
public sealed class ServiceNetworkingFixture : IAsyncLifetime
{
    public const string NodeIp = "192.168.77.1";
    public const string ClientIp = "192.168.77.2";
    public const string OutsideName = "outside.example.test";
    public const string OutsideAddress = "192.0.2.55";

    /// <summary>The web server every backend pod runs: its hostname at /, the caller's address at /cgi-bin/ip.</summary>
    public const string WebScript =
        "mkdir -p /www/cgi-bin; hostname > /www/index.html; " +
        "printf '#!/bin/sh\\nprintf \"Content-Type: text/plain\\\\r\\\\n\\\\r\\\\n\"\\necho \"$REMOTE_ADDR\"\\n' > /www/cgi-bin/ip; " +
        "chmod +x /www/cgi-bin/ip; exec httpd -f -p 8080 -h /www";

    private string _resolvConf = "";

    public NodeServer Node { get; private set; } = null!;

    public FakeUpstreamDns Upstream { get; private set; } = null!;

    public string ClientNetns => Node.Netns + "c";

    /// <summary>Names of the three ready web pods.</summary>
    public List<string> WebPods { get; } = [];

    public async Task InitializeAsync()
    {
        var id = Guid.NewGuid().ToString("N")[..8];
        _resolvConf = Path.Combine(Path.GetTempPath(), $"skiff-e2e-resolv-{id}.conf");
        await File.WriteAllTextAsync(_resolvConf, $"nameserver {ClientIp}\nsearch example.test\n");
        Node = await NodeServer.StartAsync(NodeIp, PrepareAsync, "--resolv-conf", _resolvConf);
        var k = Node.Kubectl;
        await k.OkWithInputAsync(WebDeployment, "apply", "-f", "-");
        await k.OkWithInputAsync(UnreadyPod, "apply", "-f", "-");
        await k.OkAsync("expose", "deployment", "web", "--port=80", "--target-port=8080");
        await Node.EventuallyAsync(async () =>
        {
            var ready = await k.RunAsync("get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}");
            var rows = ready.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToList();
            var running = await Node.PodFieldAsync("web-unready", "{.status.phase}");
            WebPods.Clear();
            WebPods.AddRange(rows.Where(r => r.Length == 2 && r[1] == "True").Select(r => r[0]).Order());
            return WebPods.Count == 3 && running == "Running";
        }, "3 ready web pods and a running unready one", 180);
    }

    public async Task DisposeAsync()
    {
        Upstream?.Dispose();
        if (Node is not null)
        {
            // Controllers first (their pods orphaned, waiting until they are gone), so deleting the pods does not make
            // them replace the pods while the server stops: a pod started then would leave its sandbox's network
            // namespace behind.
            await Node.Kubectl.RunAsync("delete", "deployments,replicasets,replicationcontrollers,statefulsets", "--all", "--cascade=orphan", "--timeout=60s");
            await Node.Kubectl.RunAsync("delete", "pods", "--all", "--grace-period=1", "--timeout=90s");
            await Node.DisposeAsync();
            await RunAsync(false, "ip", "netns", "del", ClientNetns);
        }

        File.Delete(_resolvConf);
    }

    // Before the server starts: a veth pair between the node's namespace and the client's, addresses on both ends,
    // and the outside resolver on the client's address. No route leaves either namespace.
    private async Task PrepareAsync(string netns)
    {
        var client = netns + "c";
        await RunAsync(true, "ip", "netns", "add", client);
        await RunAsync(true, "ip", "-n", client, "link", "set", "lo", "up");
        await RunAsync(true, "ip", "-n", netns, "link", "add", "sknode", "type", "veth", "peer", "name", "skclient", "netns", client);
        await RunAsync(true, "ip", "-n", netns, "addr", "add", NodeIp + "/24", "dev", "sknode");
        await RunAsync(true, "ip", "-n", netns, "link", "set", "sknode", "up");
        await RunAsync(true, "ip", "-n", client, "addr", "add", ClientIp + "/24", "dev", "skclient");
        await RunAsync(true, "ip", "-n", client, "link", "set", "skclient", "up");
        Upstream = FakeUpstreamDns.Start(client, IPAddress.Parse(ClientIp), new Dictionary<string, IPAddress> { [OutsideName] = IPAddress.Parse(OutsideAddress) });
    }

    /// <summary>Runs a command in the client namespace (an outside host on the node's network).</summary>
    public Task<(int ExitCode, string Output)> InClientAsync(params string[] command) =>
        RunAsync(false, ["ip", "netns", "exec", ClientNetns, .. command]);

    private static Task<(int ExitCode, string Output)> RunAsync(bool check, params string[] command) => HostCommand.RunAsync(command, check, TimeSpan.FromSeconds(60));

    private static string WebDeployment => $$"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: 3
          selector:
            matchLabels:
              app: web
          template:
            metadata:
              labels:
                app: web
            spec:
              containers:
              - name: httpd
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", {{Quote(WebScript)}}]
                ports:
                - containerPort: 8080
                  name: http
                readinessProbe:
                  httpGet:
                    path: /
                    port: 8080
                  periodSeconds: 2
        """;

    private static string UnreadyPod => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-unready
          labels:
            app: web
        spec:
          containers:
          - name: httpd
            image: {{NodeServer.TestImage}}
            imagePullPolicy: IfNotPresent
            command: ["sh", "-c", {{Quote(WebScript)}}]
            readinessProbe:
              httpGet:
                path: /never-there
                port: 8080
              periodSeconds: 2
        """;

    /// <summary>A YAML double-quoted scalar (JSON string syntax is valid YAML).</summary>
    public static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
