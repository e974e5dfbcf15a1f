using System.Text.Json;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// Service networking as a user sees it from inside busybox pods (wget, nslookup, /etc/resolv.conf), from the node, and
/// from an outside host on the node's network: Service names, spreading, readiness, ClusterIP, NodePort,
/// LoadBalancer (ServiceLB: the node's address as ingress), headless and StatefulSet DNS, ExternalName, SRV, session
/// affinity, the Local traffic policies, hairpin, the pods' resolver configuration and forwarding to the node's
/// resolvers. One server for the class (<see cref="ServiceNetworkingFixture"/>).
/// </summary>
public sealed class ServiceNetworkingTests(ServiceNetworkingFixture fixture) : IClassFixture<ServiceNetworkingFixture>
{
    private const string NodeIp = ServiceNetworkingFixture.NodeIp;
    private readonly NodeServer _node = fixture.Node;

    private Kubectl K => _node.Kubectl;

    [Fact]
    public async Task Service_names_reach_ready_pods_spread_over_all_of_them_and_never_the_unready_one()
    {
        var clusterIp = (await K.OkAsync("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}")).Trim();
        await AnswersAsync(() => _node.InNetnsAsync("timeout", "5", "busybox", "wget", "-qO-", $"http://{clusterIp}/"), "Service web's rules to be live");
        var logs = await RunPodAsync("names",
            "for n in web web.default web.default.svc.cluster.local; do echo \"$n=$(timeout 5 wget -qO- http://$n)\"; done; " +
            "i=0; while [ $i -lt 40 ]; do echo \"hit=$(timeout 5 wget -qO- http://web)\"; i=$((i+1)); done");

        foreach (var name in new[] { "web", "web.default", "web.default.svc.cluster.local" })
        {
            var line = logs.Split('\n').Single(l => l.StartsWith(name + "=", StringComparison.Ordinal));
            Assert.Contains(line[(name.Length + 1)..].Trim(), fixture.WebPods);
        }

        var hits = logs.Split('\n').Where(l => l.StartsWith("hit=", StringComparison.Ordinal)).Select(l => l[4..].Trim()).ToList();
        Assert.Equal(40, hits.Count);
        Assert.DoesNotContain("web-unready", hits);
        Assert.Equal(fixture.WebPods, hits.Distinct().Order().ToList());
    }

    [Fact]
    public async Task ClusterIP_answers_from_the_node_and_NodePort_on_the_node_address_from_the_node_and_outside()
    {
        await K.OkAsync("expose", "deployment", "web", "--type=NodePort", "--port=80", "--target-port=8080", "--name=web-np");
        var clusterIp = (await K.OkAsync("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}")).Trim();
        var nodePort = (await K.OkAsync("get", "svc", "web-np", "-o", "jsonpath={.spec.ports[0].nodePort}")).Trim();
        Assert.InRange(int.Parse(nodePort), 30000, 32767);

        await AnswersAsync(() => _node.InNetnsAsync("timeout", "5", "busybox", "wget", "-qO-", $"http://{clusterIp}/"), "ClusterIP from the node");
        await AnswersAsync(() => _node.InNetnsAsync("timeout", "5", "busybox", "wget", "-qO-", $"http://{NodeIp}:{nodePort}/"), "NodePort on the node address from the node");
        await AnswersAsync(() => fixture.InClientAsync("timeout", "5", "busybox", "wget", "-qO-", $"http://{NodeIp}:{nodePort}/"), "NodePort from an outside host");

        // externalTrafficPolicy Cluster masquerades outside clients: the pod sees a node-side address, not the client's.
        var (code, seen) = await fixture.InClientAsync("timeout", "5", "busybox", "wget", "-qO-", $"http://{NodeIp}:{nodePort}/cgi-bin/ip");
        Assert.True(code == 0, seen);
        Assert.StartsWith("10.42.", ClientAddress(seen));
    }

    [Fact]
    public async Task ExternalTrafficPolicy_Local_keeps_the_outside_client_address()
    {
        // Created with the policy (not patched afterwards), so no answer can come from rules made before the change.
        await K.OkWithInputAsync("""
            apiVersion: v1
            kind: Service
            metadata:
              name: web-etp
            spec:
              type: NodePort
              externalTrafficPolicy: Local
              selector:
                app: web
              ports:
              - port: 80
                targetPort: 8080
            """, "apply", "-f", "-");
        var nodePort = (await K.OkAsync("get", "svc", "web-etp", "-o", "jsonpath={.spec.ports[0].nodePort}")).Trim();
        string seen = "";
        await _node.EventuallyAsync(async () =>
        {
            var (code, output) = await fixture.InClientAsync("timeout", "5", "busybox", "wget", "-qO-", $"http://{NodeIp}:{nodePort}/cgi-bin/ip");
            seen = ClientAddress(output);
            return code == 0;
        }, "NodePort with externalTrafficPolicy Local from outside");
        Assert.Equal(ServiceNetworkingFixture.ClientIp, seen);
    }

    [Fact]
    public async Task InternalTrafficPolicy_Local_uses_only_endpoints_on_this_node()
    {
        // A selector-less Service with a hand-written EndpointSlice: one endpoint on this node, one on another node.
        var local = fixture.WebPods[0];
        var remote = fixture.WebPods[1];
        var localIp = await _node.PodFieldAsync(local, "{.status.podIP}");
        var remoteIp = await _node.PodFieldAsync(remote, "{.status.podIP}");
        await K.OkWithInputAsync($$"""
            apiVersion: v1
            kind: Service
            metadata:
              name: itp
            spec:
              internalTrafficPolicy: Local
              ports:
              - port: 80
                targetPort: 8080
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: itp-1
              labels:
                kubernetes.io/service-name: itp
            addressType: IPv4
            ports:
            - port: 8080
              protocol: TCP
              name: ""
            endpoints:
            - addresses: ["{{localIp}}"]
              nodeName: {{NodeServer.NodeName}}
              conditions: {ready: true}
            - addresses: ["{{remoteIp}}"]
              nodeName: some-other-node
              conditions: {ready: true}
            """, "apply", "-f", "-");

        await ServiceLiveAsync("itp");
        var logs = await RunPodAsync("itp-client", "i=0; while [ $i -lt 20 ]; do echo \"hit=$(timeout 5 wget -qO- http://itp)\"; i=$((i+1)); done");
        var hits = logs.Split('\n').Where(l => l.StartsWith("hit=", StringComparison.Ordinal)).Select(l => l[4..].Trim()).ToList();
        Assert.Equal(20, hits.Count);
        Assert.All(hits, h => Assert.Equal(local, h));
    }

    [Fact]
    public async Task SessionAffinity_ClientIP_sticks_to_one_pod()
    {
        await K.OkAsync("expose", "deployment", "web", "--port=80", "--target-port=8080", "--name=web-sticky", "--session-affinity=ClientIP");
        await ServiceLiveAsync("web-sticky");
        var logs = await RunPodAsync("sticky", "i=0; while [ $i -lt 15 ]; do echo \"hit=$(timeout 5 wget -qO- http://web-sticky)\"; i=$((i+1)); done");
        var hits = logs.Split('\n').Where(l => l.StartsWith("hit=", StringComparison.Ordinal)).Select(l => l[4..].Trim()).ToList();
        Assert.Equal(15, hits.Count);
        Assert.Single(hits.Distinct());
        Assert.Contains(hits[0], fixture.WebPods);
    }

    [Fact]
    public async Task A_pod_reaches_itself_through_its_own_Service()
    {
        await K.OkWithInputAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: solo
              labels:
                app: solo
            spec:
              containers:
              - name: c
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "mkdir -p /www; hostname > /www/index.html; httpd -p 8080 -h /www; while true; do echo \"self=$(timeout 3 wget -qO- http://solo)\"; sleep 1; done"]
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: solo
            spec:
              selector:
                app: solo
              ports:
              - port: 80
                targetPort: 8080
            """, "apply", "-f", "-");
        await _node.EventuallyAsync(async () => (await K.RunAsync("logs", "solo")).Stdout.Contains("self=solo", StringComparison.Ordinal), "solo to reach itself through Service solo", 120);
    }

    [Fact]
    public async Task Cluster_DNS_answers_headless_StatefulSet_ExternalName_SRV_and_forwards_other_names_upstream()
    {
        await K.OkWithInputAsync($$"""
            apiVersion: v1
            kind: Service
            metadata:
              name: web-headless
            spec:
              clusterIP: None
              selector:
                app: web
              ports:
              - name: http
                port: 80
                targetPort: 8080
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web-named
            spec:
              selector:
                app: web
              ports:
              - name: http
                port: 80
                targetPort: 8080
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: ext
            spec:
              type: ExternalName
              externalName: {{ServiceNetworkingFixture.OutsideName}}
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: db
            spec:
              clusterIP: None
              selector:
                app: db
              ports:
              - name: http
                port: 8080
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: db
            spec:
              serviceName: db
              replicas: 1
              selector:
                matchLabels:
                  app: db
              template:
                metadata:
                  labels:
                    app: db
                spec:
                  containers:
                  - name: c
                    image: {{NodeServer.TestImage}}
                    imagePullPolicy: IfNotPresent
                    command: ["sleep", "3600"]
            """, "apply", "-f", "-");
        await _node.EventuallyAsync(async () => await _node.PodFieldAsync("db-0", "{.status.conditions[?(@.type==\"Ready\")].status}") == "True", "db-0 ready");
        var dbIp = await _node.PodFieldAsync("db-0", "{.status.podIP}");
        var webIps = new List<string>();
        foreach (var pod in fixture.WebPods)
        {
            webIps.Add(await _node.PodFieldAsync(pod, "{.status.podIP}"));
        }

        foreach (var name in new[] { "web-headless", "web-named", "ext", "db" })
        {
            await _node.EventuallyAsync(async () => (await _node.InNetnsAsync("busybox", "nslookup", $"{name}.default.svc.cluster.local", "10.43.0.10")).ExitCode == 0, $"cluster DNS to know Service {name}");
        }

        var queriesBefore = fixture.Upstream.QueryCount;
        var logs = await RunPodAsync("dns",
            "echo '--- headless'; nslookup web-headless; " +
            "echo '--- statefulset'; nslookup db-0.db.default.svc.cluster.local; " +
            "echo '--- external'; nslookup ext; " +
            "echo '--- srv'; nslookup -type=SRV _http._tcp.web-named.default.svc.cluster.local; " +
            "echo '--- outside'; nslookup " + ServiceNetworkingFixture.OutsideName + "; " +
            "echo '--- end'");
        var headless = Section(logs, "headless");
        foreach (var ip in webIps)
        {
            Assert.Contains("Address: " + ip, headless);
        }

        Assert.Equal(3, headless.Split('\n').Count(l => l.StartsWith("Address: 10.42.", StringComparison.Ordinal)));
        Assert.Contains("Address: " + dbIp, Section(logs, "statefulset"));

        var external = Section(logs, "external");
        Assert.Contains("canonical name = " + ServiceNetworkingFixture.OutsideName, external);
        Assert.Contains("Address: " + ServiceNetworkingFixture.OutsideAddress, external);

        var srv = Section(logs, "srv");
        Assert.Matches(@"service = 0 \d+ 80 web-named\.default\.svc\.cluster\.local", srv);

        Assert.Contains("Address: " + ServiceNetworkingFixture.OutsideAddress, Section(logs, "outside"));
        Assert.True(fixture.Upstream.QueryCount > queriesBefore, "the outside name was not forwarded to the node's resolver");
        lock (fixture.Upstream.Questions)
        {
            Assert.Contains(ServiceNetworkingFixture.OutsideName + " 1", fixture.Upstream.Questions);
            // Names in the cluster zone are answered by the cluster DNS itself, never asked upstream (search-list
            // candidates such as web.default.svc.cluster.local.example.test are outside it and do go upstream).
            Assert.DoesNotContain(fixture.Upstream.Questions, q => q.Split(' ')[0].EndsWith(".cluster.local", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Pods_get_resolv_conf_for_each_dnsPolicy()
    {
        var clusterFirst = await RunPodAsync("dns-clusterfirst", "cat /etc/resolv.conf");
        Assert.Contains("nameserver 10.43.0.10", clusterFirst);
        Assert.Contains("search default.svc.cluster.local svc.cluster.local cluster.local example.test", clusterFirst);
        Assert.Contains("options ndots:5", clusterFirst);

        var byDefault = await RunPodAsync("dns-default", "cat /etc/resolv.conf", new { spec = new { dnsPolicy = "Default" } });
        Assert.Contains("nameserver " + ServiceNetworkingFixture.ClientIp, byDefault);
        Assert.Contains("search example.test", byDefault);
        Assert.DoesNotContain("10.43.0.10", byDefault);

        var none = await RunPodAsync("dns-none", "cat /etc/resolv.conf", new
        {
            spec = new
            {
                dnsPolicy = "None",
                dnsConfig = new
                {
                    nameservers = new[] { "192.0.2.53" },
                    searches = new[] { "ns1.svc.cluster-domain.example" },
                    options = new object[] { new { name = "ndots", value = "2" }, new { name = "edns0" } },
                },
            },
        });
        Assert.Contains("nameserver 192.0.2.53", none);
        Assert.Contains("search ns1.svc.cluster-domain.example", none);
        Assert.Contains("ndots:2", none);
        Assert.Contains("edns0", none);
        Assert.DoesNotContain("10.43.0.10", none);

        var hostNet = await RunPodAsync("dns-hostnet", "cat /etc/resolv.conf", new { spec = new { hostNetwork = true, dnsPolicy = "ClusterFirstWithHostNet" } });
        Assert.Contains("nameserver 10.43.0.10", hostNet);
        Assert.Contains("options ndots:5", hostNet);

        // ClusterFirst on the host network falls back to the node's resolvers, as kubelet does.
        var hostNetClusterFirst = await RunPodAsync("dns-hostnet-cf", "cat /etc/resolv.conf", new { spec = new { hostNetwork = true } });
        Assert.Contains("nameserver " + ServiceNetworkingFixture.ClientIp, hostNetClusterFirst);
        Assert.DoesNotContain("10.43.0.10", hostNetClusterFirst);
    }

    [Fact]
    public async Task LoadBalancer_gets_the_node_address_and_answers_there_from_the_node_a_pod_and_outside()
    {
        await K.OkWithInputAsync($$"""
            apiVersion: v1
            kind: Service
            metadata:
              name: other-class
            spec:
              type: LoadBalancer
              loadBalancerClass: example.com/not-ours
              selector:
                app: web
              ports:
              - port: 8090
                targetPort: 8080
            """, "apply", "-f", "-");
        await K.OkAsync("expose", "deployment", "web", "--type=LoadBalancer", "--port=80", "--target-port=8080", "--name=web-lb");
        await _node.EventuallyAsync(async () =>
        {
            var row = (await K.RunAsync("get", "svc", "web-lb", "--no-headers")).Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return row.Length > 4 && row[1] == "LoadBalancer" && row[3] == NodeIp;
        }, "web-lb EXTERNAL-IP to show the node address");
        Assert.Equal("VIP", (await K.OkAsync("get", "svc", "web-lb", "-o", "jsonpath={.status.loadBalancer.ingress[0].ipMode}")).Trim());

        await AnswersAsync(() => _node.InNetnsAsync("timeout", "5", "busybox", "wget", "-qO-", $"http://{NodeIp}/"), "load balancer from the node");
        await AnswersAsync(() => fixture.InClientAsync("timeout", "5", "busybox", "wget", "-qO-", $"http://{NodeIp}/"), "load balancer from outside");
        var fromPod = await RunPodAsync("lb-client", $"timeout 5 wget -qO- http://{NodeIp}/");
        Assert.Contains(fromPod.Trim(), fixture.WebPods);

        // A class that is not ServiceLB's is left alone.
        var other = (await K.OkAsync("get", "svc", "other-class", "--no-headers")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("<pending>", other[3]);
    }

    [Fact]
    public async Task Kubectl_expose_rc_as_LoadBalancer_and_allocateLoadBalancerNodePorts_false()
    {
        await K.OkWithInputAsync($$"""
            apiVersion: v1
            kind: ReplicationController
            metadata:
              name: hello
            spec:
              replicas: 2
              selector:
                app: hello
              template:
                metadata:
                  labels:
                    app: hello
                spec:
                  containers:
                  - name: hello
                    image: {{NodeServer.TestImage}}
                    imagePullPolicy: IfNotPresent
                    command: ["sh", "-c", {{ServiceNetworkingFixture.Quote(ServiceNetworkingFixture.WebScript)}}]
                    ports:
                    - containerPort: 8080
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: no-node-ports
            spec:
              type: LoadBalancer
              allocateLoadBalancerNodePorts: false
              selector:
                app: web
              ports:
              - port: 8082
                targetPort: 8080
            """, "apply", "-f", "-");
        await K.OkAsync("expose", "rc", "hello", "--type=LoadBalancer", "--name", "hello-http");
        Assert.Equal("8080", (await K.OkAsync("get", "svc", "hello-http", "-o", "jsonpath={.spec.ports[0].port}")).Trim());
        await _node.EventuallyAsync(async () => (await K.RunAsync("get", "svc", "hello-http", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}")).Stdout.Trim() == NodeIp, "hello-http ingress");
        var hello = await AnswersAsync(() => fixture.InClientAsync("timeout", "5", "busybox", "wget", "-qO-", $"http://{NodeIp}:8080/"), "hello-http from outside");
        Assert.StartsWith("hello-", hello.Trim());

        Assert.Equal("", (await K.OkAsync("get", "svc", "no-node-ports", "-o", "jsonpath={.spec.ports[0].nodePort}")).Trim());
        await _node.EventuallyAsync(async () => (await K.RunAsync("get", "svc", "no-node-ports", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}")).Stdout.Trim() == NodeIp, "no-node-ports ingress");
        var row = (await K.OkAsync("get", "svc", "no-node-ports", "--no-headers")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("8082/TCP", row[4]);
        await AnswersAsync(() => _node.InNetnsAsync("timeout", "5", "busybox", "wget", "-qO-", $"http://{NodeIp}:8082/"), "no-node-ports from the node");
    }

    // The proxy applies a new Service's rules shortly after it is created: wait for its cluster IP to answer from the
    // node before a client pod counts answers.
    private async Task ServiceLiveAsync(string service)
    {
        var clusterIp = (await K.OkAsync("get", "svc", service, "-o", "jsonpath={.spec.clusterIP}")).Trim();
        await AnswersAsync(() => _node.InNetnsAsync("timeout", "5", "busybox", "wget", "-qO-", $"http://{clusterIp}/"), $"Service {service}'s rules to be live");
    }

    // Retries until the command succeeds (rules go live shortly after the change), returning its output.
    private async Task<string> AnswersAsync(Func<Task<(int ExitCode, string Output)>> run, string what)
    {
        var output = "";
        await _node.EventuallyAsync(async () =>
        {
            var (code, text) = await run();
            output = text;
            return code == 0 && text.Trim().Length > 0;
        }, what);
        return output;
    }

    /// <summary>Runs a busybox pod (restartPolicy Never) with <paramref name="script"/> and returns its log once it ends.</summary>
    private async Task<string> RunPodAsync(string name, string script, object? overrides = null)
    {
        List<string> args = ["run", name, "--image=" + NodeServer.TestImage, "--image-pull-policy=IfNotPresent", "--restart=Never"];
        if (overrides is not null)
        {
            args.Add("--overrides=" + JsonSerializer.Serialize(overrides));
        }

        args.AddRange(["--", "sh", "-c", script]);
        await K.OkAsync([.. args]);
        await _node.EventuallyAsync(async () => await _node.PodFieldAsync(name, "{.status.phase}") is "Succeeded" or "Failed", $"pod {name} to finish", 180);
        return await K.OkAsync("logs", name);
    }

    // busybox httpd listens on IPv6 and reports IPv4 clients as "[::ffff:a.b.c.d]".
    private static string ClientAddress(string remoteAddr) => remoteAddr.Trim().Trim('[', ']').Replace("::ffff:", "", StringComparison.Ordinal);

    private static string Section(string logs, string name)
    {
        var start = logs.IndexOf("--- " + name + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section {name} in:\n{logs}");
        var end = logs.IndexOf("\n--- ", start + 4, StringComparison.Ordinal);
        return logs[start..(end < 0 ? logs.Length : end)];
    }
}
