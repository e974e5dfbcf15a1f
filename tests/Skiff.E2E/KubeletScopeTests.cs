using System.Text.Json.Nodes;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// The rest of the node agent's scope with real containerd and the real kubectl, asserting what a user sees in kubectl
/// and what the container sees: init containers in order, env from every source, $(VAR) expansion, workingDir,
/// securityContext, postStart, every local volume type with subPath and readOnly, secret updates reaching a running
/// pod, restart policies, HTTP/TCP probes taking a pod in and out of a Service's endpoints, hostNetwork, hostPort,
/// invalid volume sources refused by the API, and the Node object the agent registers.
/// </summary>
public sealed class KubeletScopeTests(NodeServerFixture fixture) : IClassFixture<NodeServerFixture>
{
    private readonly NodeServer _node = fixture.Node;

    private Kubectl K => _node.Kubectl;

    private static string Image => NodeServer.TestImage;

    /// <summary>The lines <c>key=value</c> a pod printed, once it printed DONE.</summary>
    private async Task<Dictionary<string, string>> ReportAsync(string pod, string container)
    {
        var logs = string.Empty;
        await _node.EventuallyAsync(async () =>
        {
            logs = (await K.RunAsync("logs", pod, "-c", container)).Stdout;
            return logs.Contains("DONE\n", StringComparison.Ordinal);
        }, $"{pod}/{container} to print its report", 120);
        return logs.Split('\n').Select(l => l.Split('=', 2)).Where(p => p.Length == 2).GroupBy(p => p[0]).ToDictionary(g => g.Key, g => g.Last()[1]);
    }

    [Fact]
    public async Task Pod_with_init_containers_env_security_context_hooks_and_every_local_volume_type()
    {
        var hostDir = "/tmp/skiff-e2e-hostpath-" + Guid.NewGuid().ToString("N")[..8];
        await K.OkAsync("create", "configmap", "settings", "--from-literal=COLOR=blue", "--from-literal=GREETING=hello-cm");
        await K.OkAsync("create", "secret", "generic", "creds", "--from-literal=password=s3cret");
        const string script =
            "while [ ! -f /work/poststart ]; do sleep 0.2; done; " +
            "echo \"expanded=$1\"; " +
            "echo \"order=`cat /work/order | tr '\\n' ,`\"; " +
            "echo \"pwd=`pwd`\"; " +
            "echo \"uid=`id -u`\"; echo \"gid=`id -g`\"; echo \"groups=`id -G`\"; " +
            "echo \"greeting=$GREETING\"; echo \"password=$PASSWORD\"; echo \"memlimit=$MEM_LIMIT\"; echo \"node=$NODE\"; echo \"podip=$POD_IP\"; echo \"cfgcolor=$CFG_COLOR\"; " +
            "if touch /rootfs-test 2>/dev/null; then echo rootfs=writable; else echo rootfs=readonly; fi; " +
            "echo \"cachefs=`awk '$2 == \"/cache\" {print $3}' /proc/mounts`\"; " +
            "echo \"secretmode=`stat -L -c %a /secret/pw`\"; echo \"secretfile=`cat /secret/pw`\"; " +
            "echo \"labels=`cat /podinfo/labels | tr '\\n' ' '`\"; " +
            "echo \"projected=`ls /projected | tr '\\n' ,`\"; echo \"projectedname=`cat /projected/name`\"; " +
            "echo \"sub=`cat /sub/greeting`\"; " +
            "if touch /ro/x 2>/dev/null; then echo ro=writable; else echo ro=readonly; fi; " +
            "if [ -d /host ]; then echo hostpath=dir; else echo hostpath=missing; fi; " +
            "echo \"poststart=`cat /work/poststart`\"; " +
            "echo \"cgmem=`cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes`\"; " +
            "echo DONE; sleep 3600";
        var manifest = $$$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: showcase
              labels: {app: showcase, tier: demo}
            spec:
              securityContext: {runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000}
              initContainers:
              - name: first
                image: {{{Image}}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "echo first >> /work/order"]
                volumeMounts: [{name: work, mountPath: /work}]
              - name: second
                image: {{{Image}}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "echo second >> /work/order"]
                volumeMounts: [{name: work, mountPath: /work}]
              containers:
              - name: app
                image: {{{Image}}}
                imagePullPolicy: IfNotPresent
                workingDir: /work
                command: ["sh", "-c", {{{JsonValue.Create(script).ToJsonString()}}}, "sh"]
                args: ["$(GREETING) and $$(GREETING)"]
                env:
                - {name: GREETING, value: hello}
                - name: PASSWORD
                  valueFrom: {secretKeyRef: {name: creds, key: password}}
                - name: MEM_LIMIT
                  valueFrom: {resourceFieldRef: {containerName: app, resource: limits.memory, divisor: 1Mi}}
                - name: NODE
                  valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
                - name: POD_IP
                  valueFrom: {fieldRef: {fieldPath: status.podIP}}
                envFrom:
                - prefix: CFG_
                  configMapRef: {name: settings}
                resources:
                  requests: {memory: 64Mi, cpu: 100m}
                  limits: {memory: 64Mi, cpu: 200m}
                securityContext: {readOnlyRootFilesystem: true, allowPrivilegeEscalation: false}
                lifecycle:
                  postStart:
                    exec: {command: ["sh", "-c", "echo hooked > /work/poststart"]}
                volumeMounts:
                - {name: work, mountPath: /work}
                - {name: cache, mountPath: /cache}
                - {name: secret, mountPath: /secret}
                - {name: podinfo, mountPath: /podinfo}
                - {name: projected, mountPath: /projected}
                - {name: settings, mountPath: /sub/greeting, subPath: GREETING}
                - {name: ro, mountPath: /ro, readOnly: true}
                - {name: host, mountPath: /host}
              - name: caps
                image: {{{Image}}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "echo \"capeff=`awk '/CapEff/ {print $2}' /proc/self/status`\"; echo \"uid=`id -u`\"; echo DONE; sleep 3600"]
                securityContext: {runAsUser: 0, capabilities: {drop: [ALL], add: [NET_ADMIN]}}
              - name: privileged
                image: {{{Image}}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "echo \"capeff=`awk '/CapEff/ {print $2}' /proc/self/status`\"; echo DONE; sleep 3600"]
                securityContext: {runAsUser: 0, privileged: true}
              volumes:
              - {name: work, emptyDir: {}}
              - {name: cache, emptyDir: {medium: Memory, sizeLimit: 16Mi}}
              - name: secret
                secret: {secretName: creds, defaultMode: 0400, items: [{key: password, path: pw}]}
              - name: podinfo
                downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}
              - name: projected
                projected:
                  sources:
                  - configMap: {name: settings, items: [{key: COLOR, path: color}]}
                  - secret: {name: creds, items: [{key: password, path: password}]}
                  - downwardAPI: {items: [{path: name, fieldRef: {fieldPath: metadata.name}}]}
                  - serviceAccountToken: {path: token, expirationSeconds: 3600}
              - {name: settings, configMap: {name: settings}}
              - {name: ro, emptyDir: {}}
              - {name: host, hostPath: {path: {{{hostDir}}}, type: DirectoryOrCreate}}
            """;
        try
        {
            await K.OkWithInputAsync(manifest, "apply", "-f", "-");
            var app = await ReportAsync("showcase", "app");
            Assert.Equal("hello and $(GREETING)", app["expanded"]);
            Assert.Equal("first,second,", app["order"]);
            Assert.Equal("/work", app["pwd"]);
            Assert.Equal(("1000", "3000"), (app["uid"], app["gid"]));
            Assert.Contains("2000", app["groups"].Split(' '));
            Assert.Equal("hello", app["greeting"]);
            Assert.Equal("s3cret", app["password"]);
            Assert.Equal("64", app["memlimit"]);
            Assert.Equal(NodeServer.NodeName, app["node"]);
            Assert.Equal(await _node.PodFieldAsync("showcase", "{.status.podIP}"), app["podip"]);
            Assert.Equal("blue", app["cfgcolor"]);
            Assert.Equal("readonly", app["rootfs"]);
            Assert.Equal("tmpfs", app["cachefs"]);
            Assert.Equal("440", app["secretmode"]);
            Assert.Equal("s3cret", app["secretfile"]);
            Assert.Equal("app=\"showcase\" tier=\"demo\"", app["labels"]);
            Assert.Equal("color,name,password,token,", app["projected"]);
            Assert.Equal("showcase", app["projectedname"]);
            Assert.Equal("hello-cm", app["sub"]);
            Assert.Equal("readonly", app["ro"]);
            Assert.Equal("dir", app["hostpath"]);
            Assert.True(Directory.Exists(hostDir), "hostPath DirectoryOrCreate made the directory on the node");
            Assert.Equal("hooked", app["poststart"]);
            Assert.Equal("67108864", app["cgmem"]);

            // drop ALL + add NET_ADMIN leaves exactly CAP_NET_ADMIN (bit 12); privileged has every capability.
            var caps = await ReportAsync("showcase", "caps");
            Assert.Equal(("0000000000001000", "0"), (caps["capeff"], caps["uid"]));
            var privileged = Convert.ToUInt64((await ReportAsync("showcase", "privileged"))["capeff"], 16);
            Assert.True(privileged >= 0x3fffffffffUL, $"privileged CapEff {privileged:x}");

            // What kubectl shows: three of three ready, the init containers completed in order, Burstable.
            await _node.EventuallyAsync(async () => (await K.OkAsync("get", "pod", "showcase", "--no-headers")).Contains(" 3/3 ", StringComparison.Ordinal), "showcase 3/3 Running");
            Assert.Equal("Burstable", await _node.PodFieldAsync("showcase", "{.status.qosClass}"));
            var described = await K.OkAsync("describe", "pod", "showcase");
            Assert.Contains($"Container image \"{Image}\" already present on machine", described);
            Assert.Contains("Created container: first", described);
            Assert.Contains("Started container app", described);
            Assert.Equal("Completed Completed", await _node.PodFieldAsync("showcase", "{.status.initContainerStatuses[*].state.terminated.reason}"));
            foreach (var condition in new[] { "PodScheduled", "Initialized", "ContainersReady", "Ready" })
            {
                Assert.Equal("True", await _node.PodFieldAsync("showcase", $"{{.status.conditions[?(@.type==\"{condition}\")].status}}"));
            }

            Assert.NotEmpty(await _node.PodFieldAsync("showcase", "{.status.startTime}"));
            Assert.Equal(await _node.PodFieldAsync("showcase", "{.status.podIP}"), await _node.PodFieldAsync("showcase", "{.status.podIPs[0].ip}"));
            Assert.Equal("127.0.0.1", await _node.PodFieldAsync("showcase", "{.status.hostIP}"));

            // A changed Secret reaches the running pod's files (kubelet's periodic sync), without a restart.
            await K.OkWithInputAsync((await K.OkAsync("create", "secret", "generic", "creds", "--from-literal=password=rotated", "--dry-run=client", "-o", "yaml")), "apply", "-f", "-");
            await _node.EventuallyAsync(async () => (await K.RunAsync("exec", "showcase", "-c", "app", "--", "cat", "/secret/pw")).Stdout == "rotated", "the new secret value in the mounted file", 150);
            Assert.Equal("0", await _node.PodFieldAsync("showcase", "{.status.containerStatuses[?(@.name==\"app\")].restartCount}"));
        }
        finally
        {
            await K.RunAsync("delete", "pod", "showcase", "--grace-period=1", "--wait=false");
        }
    }

    [Fact]
    public async Task HostPath_type_File_that_does_not_exist_fails_the_mount_with_the_reason()
    {
        var manifest = $$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: wrongtype}
            spec:
              containers:
              - {name: app, image: {{{Image}}}, imagePullPolicy: IfNotPresent, command: [sleep, "3600"], volumeMounts: [{name: f, mountPath: /f}]}
              volumes:
              - {name: f, hostPath: {path: /tmp/skiff-e2e-no-such-file, type: File}}
            """;
        await K.OkWithInputAsync(manifest, "apply", "-f", "-");
        await _node.EventuallyAsync(async () => (await K.OkAsync("get", "events", "--field-selector", "involvedObject.name=wrongtype")).Contains("FailedMount", StringComparison.Ordinal), "a FailedMount event");
        var events = await K.OkAsync("get", "events", "--field-selector", "involvedObject.name=wrongtype");
        Assert.Contains("hostPath type check failed: /tmp/skiff-e2e-no-such-file is not a file", events);
        Assert.Contains("ContainerCreating", await K.OkAsync("get", "pod", "wrongtype", "--no-headers"));
        await K.RunAsync("delete", "pod", "wrongtype", "--grace-period=1", "--wait=false");
    }

    [Fact]
    public async Task Restart_policies_OnFailure_retries_to_success_and_Never_stays_failed()
    {
        var manifest = $$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: onfailure}
            spec:
              restartPolicy: OnFailure
              containers:
              - name: job
                image: {{{Image}}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "if [ -f /data/ran ]; then echo second run; exit 0; fi; touch /data/ran; echo first run; exit 1"]
                volumeMounts: [{name: data, mountPath: /data}]
              volumes: [{name: data, emptyDir: {}}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: never}
            spec:
              restartPolicy: Never
              containers:
              - {name: job, image: {{{Image}}}, imagePullPolicy: IfNotPresent, command: ["sh", "-c", "echo failing; exit 3"]}
            """;
        await K.OkWithInputAsync(manifest, "apply", "-f", "-");
        await _node.EventuallyAsync(async () => await _node.PodFieldAsync("onfailure", "{.status.phase}") == "Succeeded", "onfailure to succeed after one retry", 120);
        Assert.Equal("1", await _node.PodFieldAsync("onfailure", "{.status.containerStatuses[0].restartCount}"));
        Assert.Equal("Completed", await _node.PodFieldAsync("onfailure", "{.status.containerStatuses[0].state.terminated.reason}"));
        Assert.Equal("1", await _node.PodFieldAsync("onfailure", "{.status.containerStatuses[0].lastState.terminated.exitCode}"));
        Assert.Contains(" Completed ", await K.OkAsync("get", "pod", "onfailure", "--no-headers"));
        Assert.Equal("second run\n", await K.OkAsync("logs", "onfailure"));
        Assert.Equal("first run\n", await K.OkAsync("logs", "onfailure", "--previous"));

        await _node.EventuallyAsync(async () => await _node.PodFieldAsync("never", "{.status.phase}") == "Failed", "never to fail", 120);
        Assert.Equal("0", await _node.PodFieldAsync("never", "{.status.containerStatuses[0].restartCount}"));
        Assert.Equal("3 Error", await _node.PodFieldAsync("never", "{.status.containerStatuses[0].state.terminated.exitCode} {.status.containerStatuses[0].state.terminated.reason}"));
        Assert.Contains(" Error ", await K.OkAsync("get", "pod", "never", "--no-headers"));
        Assert.Equal("False", await _node.PodFieldAsync("never", "{.status.conditions[?(@.type==\"Ready\")].status}"));
        await K.RunAsync("delete", "pod", "onfailure", "never", "--wait=false");
    }

    [Fact]
    public async Task Http_and_tcp_probes_take_a_pod_in_and_out_of_its_Service_endpoints()
    {
        var manifest = $$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: probes, labels: {app: probes}}
            spec:
              containers:
              - name: web
                image: {{{Image}}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "mkdir -p /www; echo ok > /www/ready; echo hi > /www/index.html; exec httpd -f -p 8080 -h /www"]
                ports: [{containerPort: 8080, name: http}]
                startupProbe: {httpGet: {path: /index.html, port: http}, periodSeconds: 1, failureThreshold: 30}
                readinessProbe: {httpGet: {path: /ready, port: 8080}, periodSeconds: 1, failureThreshold: 1}
                livenessProbe: {tcpSocket: {port: 8080}, periodSeconds: 2}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: probes}
            spec:
              selector: {app: probes}
              ports: [{port: 80, targetPort: http}]
            """;
        await K.OkWithInputAsync(manifest, "apply", "-f", "-");
        await _node.EventuallyAsync(async () => await _node.PodFieldAsync("probes", "{.status.containerStatuses[0].ready}") == "true", "probes ready");
        var ip = await _node.PodFieldAsync("probes", "{.status.podIP}");
        Assert.Equal("true", await _node.PodFieldAsync("probes", "{.status.containerStatuses[0].started}"));
        await _node.EventuallyAsync(async () => (await K.OkAsync("get", "endpoints", "probes", "-o", "jsonpath={.subsets[0].addresses[*].ip}")).Trim() == ip, "the ready pod in the endpoints");

        // The readiness check fails: the pod leaves the ready addresses but keeps running (no restart: liveness is TCP).
        await K.OkAsync("exec", "probes", "--", "rm", "/www/ready");
        await _node.EventuallyAsync(async () => (await K.OkAsync("get", "endpoints", "probes", "-o", "jsonpath={.subsets[0].notReadyAddresses[*].ip}")).Trim() == ip, "the unready pod in notReadyAddresses");
        Assert.Contains("0/1", await K.OkAsync("get", "pod", "probes", "--no-headers"));
        Assert.Contains("Readiness probe failed: HTTP probe failed with statuscode: 404", await K.OkAsync("get", "events", "--field-selector", "involvedObject.name=probes"));

        await K.OkAsync("exec", "probes", "--", "sh", "-c", "echo ok > /www/ready");
        await _node.EventuallyAsync(async () => (await K.OkAsync("get", "endpoints", "probes", "-o", "jsonpath={.subsets[0].addresses[*].ip}")).Trim() == ip, "the pod back in the endpoints");
        Assert.Equal("0", await _node.PodFieldAsync("probes", "{.status.containerStatuses[0].restartCount}"));
        await K.RunAsync("delete", "pod", "probes", "--grace-period=1", "--wait=false");
        await K.RunAsync("delete", "service", "probes");
    }

    [Fact]
    public async Task HostNetwork_pod_listens_on_the_node_and_hostPort_forwards_to_a_pod()
    {
        var manifest = $$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: hostnet}
            spec:
              hostNetwork: true
              containers:
              - {name: web, image: {{{Image}}}, imagePullPolicy: IfNotPresent, command: ["httpd", "-f", "-p", "18081", "-h", "/etc"]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: hostport}
            spec:
              containers:
              - name: web
                image: {{{Image}}}
                imagePullPolicy: IfNotPresent
                command: ["httpd", "-f", "-p", "8080", "-h", "/etc"]
                ports: [{containerPort: 8080, hostPort: 18082}]
            """;
        await K.OkWithInputAsync(manifest, "apply", "-f", "-");
        await _node.EventuallyAsync(async () => await _node.PodFieldAsync("hostnet", "{.status.phase}") == "Running" && await _node.PodFieldAsync("hostport", "{.status.phase}") == "Running", "both Running");
        Assert.Equal("127.0.0.1", await _node.PodFieldAsync("hostnet", "{.status.podIP}"));

        // Both answer on the node's own address: the hostNetwork pod directly, the other through its hostPort.
        foreach (var port in new[] { 18081, 18082 })
        {
            var output = string.Empty;
            await _node.EventuallyAsync(async () =>
            {
                (var code, output) = await _node.InNetnsAsync("timeout", "5", "busybox", "wget", "-qO-", $"http://127.0.0.1:{port}/passwd");
                return code == 0 && output.Contains("root:x:0:0", StringComparison.Ordinal);
            }, $"an answer on the node's port {port}", 60);
        }

        await K.RunAsync("delete", "pod", "hostnet", "hostport", "--grace-period=1", "--wait=false");
    }

    [Fact]
    public async Task Invalid_volume_sources_are_refused_with_422()
    {
        var twoSources = $$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: badvolume}
            spec:
              containers: [{name: app, image: {{{Image}}}}]
              volumes: [{name: v, emptyDir: {}, hostPath: {path: /tmp}}]
            """;
        var result = await K.RunWithInputAsync(twoSources, "apply", "-f", "-");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("The Pod \"badvolume\" is invalid", result.Stderr);
        Assert.Contains("may not specify more than 1 volume type", result.Stderr);

        var noName = twoSources.Replace("emptyDir: {}, hostPath: {path: /tmp}", "configMap: {}", StringComparison.Ordinal);
        result = await K.RunWithInputAsync(noName, "apply", "-f", "-");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("spec.volumes[0].configMap.name: Required value", result.Stderr);

        var missingMount = $$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: badmount}
            spec:
              containers: [{name: app, image: {{{Image}}}, volumeMounts: [{name: nowhere, mountPath: /x}]}]
            """;
        result = await K.RunWithInputAsync(missingMount, "apply", "-f", "-");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("spec.containers[0].volumeMounts[0].name: Not found: \"nowhere\"", result.Stderr);
    }

    [Fact]
    public async Task Node_is_registered_with_machine_capacity_info_conditions_and_a_renewing_lease()
    {
        var node = JsonNode.Parse(await K.OkAsync("get", "node", NodeServer.NodeName, "-o", "json"))!;
        var capacity = node["status"]!["capacity"]!;
        Assert.Equal(Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)capacity["cpu"]);
        Assert.EndsWith("Ki", (string?)capacity["memory"]);
        Assert.NotNull(capacity["ephemeral-storage"]);
        Assert.Equal("110", (string?)capacity["pods"]);
        Assert.NotNull(node["status"]!["allocatable"]!["memory"]);
        var info = node["status"]!["nodeInfo"]!;
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), (string?)info["kernelVersion"]);
        Assert.StartsWith("containerd://", (string?)info["containerRuntimeVersion"]);
        Assert.Equal("linux", (string?)info["operatingSystem"]);
        Assert.Contains("Debian", (string?)info["osImage"]);
        var conditions = node["status"]!["conditions"]!.AsArray().ToDictionary(c => (string)c!["type"]!, c => (string)c!["status"]!);
        Assert.Equal("True", conditions["Ready"]);
        Assert.Equal("False", conditions["MemoryPressure"]);
        Assert.Equal("False", conditions["DiskPressure"]);
        Assert.Equal("False", conditions["PIDPressure"]);
        var addresses = node["status"]!["addresses"]!.AsArray().Select(a => $"{a!["type"]}={a["address"]}").ToList();
        Assert.Contains("InternalIP=127.0.0.1", addresses);
        Assert.Contains("Hostname=" + NodeServer.NodeName, addresses);
        Assert.Matches(@"^10\.42\.\d+\.0/24$", (string?)node["spec"]!["podCIDR"]);

        // The heartbeat: the node's Lease in kube-node-lease is renewed every 10 s.
        var first = (await K.OkAsync("get", "lease", NodeServer.NodeName, "-n", "kube-node-lease", "-o", "jsonpath={.spec.renewTime}")).Trim();
        Assert.Equal("40", (await K.OkAsync("get", "lease", NodeServer.NodeName, "-n", "kube-node-lease", "-o", "jsonpath={.spec.leaseDurationSeconds}")).Trim());
        await _node.EventuallyAsync(async () => (await K.OkAsync("get", "lease", NodeServer.NodeName, "-n", "kube-node-lease", "-o", "jsonpath={.spec.renewTime}")).Trim() != first, "the lease to be renewed", 40);
    }
}
