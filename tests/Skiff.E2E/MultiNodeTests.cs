using Skiff.E2E.Support;
using Xunit.Abstractions;

namespace Skiff.E2E;

/// <summary>
/// A three-node cluster on one machine: <c>skiff server</c> on host-0 and two <c>skiff agent --server URL --token T</c>
/// on host-1 and host-2, each host a network namespace on a shared bridge. What a user sees with the real kubectl:
/// the agents join (TLS bootstrap through CertificateSigningRequests) and are Ready, pods spread over the nodes and
/// reach each other and Services across nodes (host-gw routes), DNS works from a worker, bad tokens and a clashing
/// node name are refused, <c>kubectl drain</c> moves pods off a worker, and a node that dies goes NotReady while its pods
/// come back elsewhere.
/// </summary>
public sealed class MultiNodeTests(MultiNodeClusterFixture fixture, ITestOutputHelper output) : IClassFixture<MultiNodeClusterFixture>
{
    private readonly MultiNodeCluster _cluster = fixture.Cluster;

    private Kubectl K => _cluster.Kubectl;

    [Fact]
    public async Task Agents_join_with_a_token_and_kubectl_lists_three_Ready_nodes_with_their_addresses()
    {
        output.WriteLine("join to Ready (s): " + string.Join(", ", _cluster.JoinSeconds.Select(s => s.ToString("F1"))));
        var wide = await K.OkAsync("get", "nodes", "-o", "wide", "--no-headers");
        foreach (var host in _cluster.Hosts)
        {
            var row = wide.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Single(r => r.Length > 0 && r[0] == host.NodeName);
            Assert.Equal("Ready", row[1]);
            Assert.Equal(host.Address, row[5]);
        }

        // Each agent's node identity came from a CertificateSigningRequest its bootstrap token made, auto-approved and signed.
        var csrs = await K.OkAsync("get", "csr", "--no-headers");
        var clientCsrs = csrs.Split('\n').Where(l => l.Contains("kubernetes.io/kube-apiserver-client-kubelet", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, clientCsrs.Count);
        Assert.All(clientCsrs, l =>
        {
            Assert.Contains("system:bootstrap:", l, StringComparison.Ordinal);
            Assert.Contains("Approved,Issued", l, StringComparison.Ordinal);
        });

        // Each agent's Service proxy and cluster DNS run as system:kube-proxy and system:skiff-dns, not as the node: the
        // agent asks for those client certificates with its node identity, and csrapproving approves them for nodes.
        var agents = _cluster.Hosts.Select(h => "system:node:" + h.NodeName).ToHashSet();
        var seen = string.Empty;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var items = System.Text.Json.Nodes.JsonNode.Parse(await K.OkAsync("get", "csr", "-o", "json"))!["items"]!.AsArray()
                .Where(c => (string?)c!["spec"]!["signerName"] == "kubernetes.io/kube-apiserver-client")
                .Select(c => (
                    User: (string?)c!["spec"]!["username"] ?? "",
                    Subject: System.Security.Cryptography.X509Certificates.CertificateRequest.LoadSigningRequestPem(
                        System.Text.Encoding.ASCII.GetString(Convert.FromBase64String((string)c["spec"]!["request"]!)), System.Security.Cryptography.HashAlgorithmName.SHA256,
                        System.Security.Cryptography.X509Certificates.CertificateRequestLoadOptions.SkipSignatureValidation).SubjectName.Name,
                    Issued: ((string?)c["status"]?["certificate"])?.Length > 0 && c["status"]?["conditions"]?[0]?["reason"]?.ToString() == "AutoApproved"))
                .ToList();
            seen = string.Join("; ", items.Select(i => $"{i.User} {i.Subject} issued={i.Issued}"));
            var complete = agents.Where(a => a != "system:node:" + _cluster.Server.NodeName).All(a =>
                items.Any(i => i.User == a && i.Subject == "CN=system:kube-proxy" && i.Issued) && items.Any(i => i.User == a && i.Subject == "CN=system:skiff-dns" && i.Issued));
            if (complete)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "each agent's proxy and DNS certificates, seen: " + seen);
            await Task.Delay(1000);
        }

        var tokens = await _cluster.Server.InNetnsAsync("dotnet", SkiffServer.SkiffDll, "token", "list", "--data-dir", _cluster.Server.DataDir);
        Assert.Contains(_cluster.JoinToken.Split("::")[1], tokens.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deployment_spreads_over_the_nodes_and_pods_reach_pods_services_and_dns_across_nodes()
    {
        await K.OkWithInputAsync($$$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              replicas: 3
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  topologySpreadConstraints:
                  - maxSkew: 1
                    topologyKey: kubernetes.io/hostname
                    whenUnsatisfiable: DoNotSchedule
                    labelSelector: {matchLabels: {app: web}}
                  containers:
                  - name: httpd
                    image: {{{NodeServer.TestImage}}}
                    imagePullPolicy: IfNotPresent
                    command: [sh, -c, 'hostname > /tmp/index.html && httpd -f -p 8080 -h /tmp']
                    ports: [{containerPort: 8080}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              selector: {app: web}
              ports: [{port: 80, targetPort: 8080}]
            """, "apply", "-f", "-");

        Dictionary<string, (string Ip, string Node)> pods = [];
        await _cluster.EventuallyAsync(async () =>
        {
            var r = await K.RunAsync("get", "pods", "-l", "app=web", "-o", "wide", "--no-headers");
            pods = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Where(f => f.Length > 6 && f[1] == "1/1" && f[2] == "Running").ToDictionary(f => f[0], f => (f[5], f[6]));
            return pods.Count == 3;
        }, "3 web pods Running", 240);

        // One replica per node: the spread constraint over three Ready nodes.
        Assert.Equal(["host-0", "host-1", "host-2"], pods.Values.Select(p => p.Node).Order().ToArray());

        // From a pod on host-1: every web pod by its IP, including those on host-0 and host-2 (host-gw routes), then the
        // Service by its DNS name through host-1's cluster DNS until pods on two nodes have answered.
        var targets = string.Join(" ", pods.Select(p => $"{p.Value.Ip}:{p.Key}"));
        await RunProbeAsync("probe-web", "host-1", $$"""
            for t in {{targets}}; do
              ip=${t%%:*}; name=${t##*:}
              got=$(timeout 10 wget -qO- http://$ip:8080/)
              echo "pod $ip -> $got"
              [ "$got" = "$name" ] || exit 1
            done
            seen=""
            for i in $(seq 1 60); do
              got=$(timeout 5 wget -qO- http://web.default.svc.cluster.local/ || true)
              echo "service -> $got"
              case " $seen " in *" $got "*) ;; *) [ -n "$got" ] && seen="$seen $got" ;; esac
              [ $(echo $seen | wc -w) -ge 2 ] && exit 0
            done
            exit 1
            """);
    }

    [Fact]
    public async Task A_wrong_or_expired_token_or_a_foreign_ca_hash_is_refused_with_a_clear_message()
    {
        var host = _cluster.Hosts[1];
        var hash = _cluster.JoinToken.Split("::")[0];

        var wrong = await _cluster.RunAgentOnceAsync(host, hash + "::abcdef.0123456789abcdef", "intruder");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("refused the join token (401 Unauthorized)", wrong.Output, StringComparison.Ordinal);

        var expiring = (await _cluster.Server.InNetnsAsync("dotnet", SkiffServer.SkiffDll, "token", "create", "--data-dir", _cluster.Server.DataDir, "--ttl", "1s")).Output.Trim();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var expired = await _cluster.RunAgentOnceAsync(host, expiring, "latecomer");
        Assert.NotEqual(0, expired.ExitCode);
        Assert.Contains("refused the join token (401 Unauthorized)", expired.Output, StringComparison.Ordinal);

        var foreign = await _cluster.RunAgentOnceAsync(host, "K10" + new string('0', 64) + "::" + _cluster.JoinToken.Split("::")[1], "spoofed");
        Assert.NotEqual(0, foreign.ExitCode);
        Assert.Contains("refusing to join", foreign.Output, StringComparison.Ordinal);

        var nodes = await K.OkAsync("get", "nodes", "-o", "name");
        Assert.DoesNotContain("intruder", nodes, StringComparison.Ordinal);
        Assert.DoesNotContain("latecomer", nodes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_agent_whose_node_name_is_a_live_node_of_another_agent_is_refused()
    {
        var clash = await _cluster.RunAgentOnceAsync(_cluster.Hosts[1], _cluster.JoinToken, "host-2");
        Assert.NotEqual(0, clash.ExitCode);
        Assert.Contains("node name \"host-2\" is already used by a live Node of another agent", clash.Output, StringComparison.Ordinal);
        Assert.Equal(_cluster.Hosts[2].Address, (await K.OkAsync("get", "node", "host-2", "-o", "jsonpath={.status.addresses[?(@.type==\"InternalIP\")].address}")).Trim());
    }

    [Fact]
    public async Task Serving_certificates_wait_for_kubectl_certificate_approve_then_logs_of_a_worker_pod_work()
    {
        await K.OkWithInputAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: talker}
            spec:
              nodeName: host-2
              containers:
              - name: c
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: [sh, -c, 'echo hello from host-2; sleep 3600']
            """, "apply", "-f", "-");
        await _cluster.EventuallyAsync(async () => (await K.RunAsync("get", "pod", "talker", "-o", "jsonpath={.status.phase}")).Stdout == "Running", "talker Running");

        // The agent asked for its serving certificate at start; nothing approves kubelet-serving requests but an admin.
        // (An agent restarted by another test has asked again: every pending request of host-2 is approved.)
        await _cluster.EventuallyAsync(async () => (await PendingServingCsrsAsync("host-2")).Count > 0, "host-2's kubelet-serving CSR", 60);
        await _cluster.EventuallyAsync(async () =>
        {
            foreach (var name in await PendingServingCsrsAsync("host-2"))
            {
                await K.OkAsync("certificate", "approve", name);
            }

            return (await K.RunAsync("logs", "talker")).Stdout.Contains("hello from host-2", StringComparison.Ordinal);
        }, "kubectl logs of the pod on host-2 after kubectl certificate approve");

        var issued = (await K.OkAsync("get", "csr", "--no-headers")).Split('\n')
            .Where(l => l.Contains("kubernetes.io/kubelet-serving", StringComparison.Ordinal) && l.Contains("system:node:host-2", StringComparison.Ordinal));
        Assert.Contains(issued, l => l.Contains("Approved,Issued", StringComparison.Ordinal));
    }

    private async Task<List<string>> PendingServingCsrsAsync(string node) =>
        (await K.RunAsync("get", "csr", "--no-headers")).Stdout.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(r => r.Length > 5 && r[2] == "kubernetes.io/kubelet-serving" && r[3] == "system:node:" + node && r[^1] == "Pending").Select(r => r[0]).ToList();

    [Fact]
    public async Task A_node_whose_agent_dies_becomes_NotReady_and_its_pods_are_recreated_on_the_others()
    {
        await K.OkWithInputAsync($$$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: survivor}
            spec:
              replicas: 3
              selector: {matchLabels: {app: survivor}}
              template:
                metadata: {labels: {app: survivor}}
                spec:
                  topologySpreadConstraints:
                  - maxSkew: 1
                    topologyKey: kubernetes.io/hostname
                    whenUnsatisfiable: ScheduleAnyway
                    labelSelector: {matchLabels: {app: survivor}}
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: c
                    image: {{{NodeServer.TestImage}}}
                    imagePullPolicy: IfNotPresent
                    command: [sleep, "3600"]
            """, "apply", "-f", "-");
        await _cluster.EventuallyAsync(async () => RunningNodes(await K.RunAsync("get", "pods", "-l", "app=survivor", "-o", "wide", "--no-headers")).Contains("host-2"),
            "a survivor pod Running on host-2", 240);

        var victim = _cluster.Hosts[2];
        var lost = System.Diagnostics.Stopwatch.StartNew();
        victim.Kill();
        try
        {
            await _cluster.EventuallyAsync(async () => (await K.RunAsync("get", "node", "host-2", "--no-headers")).Stdout.Contains("NotReady", StringComparison.Ordinal),
                "host-2 NotReady", 180);
            await _cluster.EventuallyAsync(async () =>
            {
                var nodes = RunningNodes(await K.RunAsync("get", "pods", "-l", "app=survivor", "-o", "wide", "--no-headers", "--field-selector", "status.phase=Running"));
                return nodes.Count(n => n != "host-2") >= 3;
            }, "three survivor pods Running on host-0 and host-1", 240);
            output.WriteLine($"node loss to 3 pods Running elsewhere: {lost.Elapsed.TotalSeconds:F1} s (grace period 20 s, toleration 10 s)");
        }
        finally
        {
            // The agent comes back with the credentials in its data directory (no token needed again) and its Node turns Ready.
            var back = System.Diagnostics.Stopwatch.StartNew();
            await _cluster.StartAgentAsync(victim);
            await _cluster.WaitForReadyAsync("host-2");
            output.WriteLine($"restarted agent Ready again: {back.Elapsed.TotalSeconds:F1} s");
        }
    }

    [Fact]
    public async Task Kubectl_drain_moves_the_pods_of_a_worker_to_the_other_nodes()
    {
        await K.OkWithInputAsync($$$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: movers}
            spec:
              replicas: 3
              selector: {matchLabels: {app: movers}}
              template:
                metadata: {labels: {app: movers}}
                spec:
                  topologySpreadConstraints:
                  - maxSkew: 1
                    topologyKey: kubernetes.io/hostname
                    whenUnsatisfiable: ScheduleAnyway
                    labelSelector: {matchLabels: {app: movers}}
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: c
                    image: {{{NodeServer.TestImage}}}
                    imagePullPolicy: IfNotPresent
                    command: [sleep, "3600"]
            """, "apply", "-f", "-");
        await _cluster.EventuallyAsync(async () =>
        {
            var nodes = RunningNodes(await K.RunAsync("get", "pods", "-l", "app=movers", "-o", "wide", "--no-headers"));
            return nodes.Count == 3 && nodes.Contains("host-1");
        }, "a movers pod Running on host-1", 240);

        try
        {
            await K.OkAsync("drain", "host-1", "--ignore-daemonsets", "--force", "--grace-period=1", "--timeout=180s");
            Assert.Contains("SchedulingDisabled", await K.OkAsync("get", "node", "host-1", "--no-headers"), StringComparison.Ordinal);
            await _cluster.EventuallyAsync(async () =>
            {
                var wide = await K.RunAsync("get", "pods", "-l", "app=movers", "-o", "wide", "--no-headers");
                var nodes = RunningNodes(wide);
                return nodes.Count == 3 && !wide.Stdout.Contains("host-1", StringComparison.Ordinal);
            }, "three movers pods Running off host-1", 240);
        }
        finally
        {
            await K.RunAsync("uncordon", "host-1");
        }
    }

    private static List<string> RunningNodes(KubectlResult wide) =>
        wide.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 6 && f[2] == "Running" && f[1] == "1/1").Select(f => f[6]).ToList();

    /// <summary>
    /// Runs <paramref name="script"/> in a pod on <paramref name="node"/> (restartPolicy Never) and asserts it succeeds; on
    /// failure the message carries the script's output, read from the node's CRI log files (kubectl logs needs the node's
    /// serving certificate approved).
    /// </summary>
    private async Task RunProbeAsync(string name, string node, string script)
    {
        var indented = string.Join("\n", script.Split('\n').Select(l => "      " + l));
        await K.OkWithInputAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: {{name}}}
            spec:
              nodeName: {{node}}
              restartPolicy: Never
              containers:
              - name: c
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command:
                - sh
                - -c
                - |
            {{indented}}
            """, "apply", "-f", "-");
        var phase = "";
        await _cluster.EventuallyAsync(async () =>
        {
            phase = (await K.RunAsync("get", "pod", name, "-o", "jsonpath={.status.phase}")).Stdout.Trim();
            return phase is "Succeeded" or "Failed";
        }, $"probe pod {name} to finish", 240);
        var host = _cluster.Hosts.Single(h => h.NodeName == node);
        var logs = Directory.Exists(Path.Combine(host.DataDir, "agent", "pods"))
            ? string.Join("\n", Directory.EnumerateFiles(Path.Combine(host.DataDir, "agent", "pods"), "*.log", SearchOption.AllDirectories)
                .Where(f => f.Contains("_" + name + "_", StringComparison.Ordinal)).Select(File.ReadAllText))
            : "";
        output.WriteLine(logs);
        Assert.True(phase == "Succeeded", $"probe {name} on {node}: {phase}\n{logs}");
    }
}
