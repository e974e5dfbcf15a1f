using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// Every component of <c>skiff server</c> runs with its own identity and least privilege (issue 10), as a kubeadm
/// cluster's do: what each may do, seen with <c>kubectl auth can-i --as</c>, and proof that the scheduler and the
/// controllers really act as those identities: take a component's ClusterRoleBinding away and its work stops with a
/// 403 in the server log naming the component; give it back and the work is done.
/// </summary>
public sealed class ComponentIdentityTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private const string FakeNode = """
        apiVersion: v1
        kind: Node
        metadata:
          name: ident-node
          labels: {kubernetes.io/hostname: ident-node}
        status:
          capacity: {cpu: "4", memory: 8Gi, pods: "110"}
          allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
          conditions:
          - {type: Ready, status: "True"}
        """;

    [Fact]
    public async Task AuthCanI_ShowsEachComponentsRights()
    {
        // A node that never heartbeats stays schedulable for the whole test.
        await using var server = await SkiffServer.StartAsync(null, "--node-monitor-grace-period", "1h");
        foreach (var version in new[] { "1.27", "1.33" })
        {
            var kubectl = new Kubectl(server.Kubeconfig, version);
            async Task Expect(string answer, params string[] args)
            {
                var result = await kubectl.RunAsync(["auth", "can-i", .. args]);
                Assert.True(answer == result.Stdout.Trim(), $"kubectl {version} auth can-i {string.Join(' ', args)}: expected {answer}, got '{result.Stdout.Trim()}' {result.Stderr}");
            }

            await Expect("yes", "create", "pods", "--subresource=binding", "-n", "default", "--as=system:kube-scheduler");
            await Expect("yes", "update", "leases/kube-scheduler", "-n", "kube-system", "--as=system:kube-scheduler");
            await Expect("yes", "update", "persistentvolumeclaims", "-n", "default", "--as=system:kube-scheduler");
            await Expect("no", "delete", "secrets", "-n", "default", "--as=system:kube-scheduler");
            await Expect("no", "create", "clusterrolebindings", "--as=system:kube-scheduler");
            await Expect("no", "update", "leases/kube-controller-manager", "-n", "kube-system", "--as=system:kube-scheduler");

            await Expect("yes", "watch", "endpointslices.discovery.k8s.io", "-A", "--as=system:kube-proxy");
            await Expect("no", "update", "services", "-n", "default", "--as=system:kube-proxy");
            await Expect("no", "list", "secrets", "-A", "--as=system:kube-proxy");

            await Expect("yes", "list", "services", "-A", "--as=system:skiff-dns");
            await Expect("no", "get", "secrets", "-n", "default", "--as=system:skiff-dns");

            await Expect("yes", "list", "secrets", "-A", "--as=system:kube-controller-manager");
            await Expect("no", "impersonate", "users", "--as=system:kube-controller-manager");
            await Expect("no", "create", "pods", "-n", "default", "--as=system:kube-controller-manager");
            await Expect("no", "bind", "clusterroles", "--as=system:kube-controller-manager");

            await Expect("yes", "create", "pods", "-n", "default", "--as=system:serviceaccount:kube-system:replicaset-controller");
            await Expect("no", "delete", "secrets", "-n", "default", "--as=system:serviceaccount:kube-system:replicaset-controller");
            await Expect("yes", "escalate", "clusterroles", "--as=system:serviceaccount:kube-system:clusterrole-aggregation-controller");
            await Expect("no", "escalate", "roles", "-n", "default", "--as=system:serviceaccount:kube-system:clusterrole-aggregation-controller");
            await Expect("yes", "delete", "secrets", "-n", "kube-system", "--as=system:serviceaccount:kube-system:token-cleaner");
            await Expect("no", "delete", "secrets", "-n", "default", "--as=system:serviceaccount:kube-system:token-cleaner");
        }

        // The roles and bindings are there to read, as in Kubernetes.
        var admin = new Kubectl(server.Kubeconfig);
        Assert.Contains("system:kube-scheduler", await admin.OkAsync("get", "clusterrolebinding", "system:kube-scheduler", "-o", "jsonpath={.subjects[*].name}"));
        Assert.Equal("replicaset-controller kube-system",
            (await admin.OkAsync("get", "clusterrolebinding", "system:controller:replicaset-controller", "-o", "jsonpath={.subjects[0].name} {.subjects[0].namespace}")).Trim());
    }

    [Fact]
    public async Task Scheduler_RunsAsSystemKubeScheduler_AndStopsWithoutItsBinding()
    {
        await using var server = await SkiffServer.StartAsync(null, "--node-monitor-grace-period", "1h");
        var kubectl = new Kubectl(server.Kubeconfig);
        await kubectl.OkWithInputAsync(FakeNode, "apply", "-f", "-");
        await kubectl.OkAsync("run", "first", "--image=busybox", "--restart=Never");
        await EventuallyAsync(async () => (await kubectl.OkAsync("get", "pod", "first", "-o", "jsonpath={.spec.nodeName}")).Trim() == "ident-node", "pod first to be scheduled", server);

        await kubectl.OkAsync("delete", "clusterrolebinding", "system:kube-scheduler");
        await kubectl.OkAsync("run", "second", "--image=busybox", "--restart=Never");
        // The scheduler's next write (its lease renewal or the binding) is refused, and the server log says by whom.
        await EventuallyAsync(() => Task.FromResult(server.Log.Contains("skiff-scheduler was refused by the API server (403 Forbidden)")
            && server.Log.Contains("User \"system:kube-scheduler\" cannot")), "the scheduler's 403 in the server log", server);

        await kubectl.OkAsync("create", "clusterrolebinding", "system:kube-scheduler", "--clusterrole=system:kube-scheduler", "--user=system:kube-scheduler");
        await EventuallyAsync(async () => (await kubectl.OkAsync("get", "pod", "second", "-o", "jsonpath={.spec.nodeName}")).Trim() == "ident-node", "pod second to be scheduled", server);
    }

    [Fact]
    public async Task Controllers_RunAsTheirServiceAccounts_AndStopWithoutTheirBinding()
    {
        await using var server = await SkiffServer.StartAsync(null, "--node-monitor-grace-period", "1h");
        var kubectl = new Kubectl(server.Kubeconfig);
        await kubectl.OkAsync("create", "deployment", "first", "--image=busybox");
        await EventuallyAsync(async () => (await kubectl.OkAsync("get", "rs", "-l", "app=first", "-o", "name")).Contains("replicaset.apps/first-"), "the first ReplicaSet", server);

        // Each controller requested a token for its own service account, which it created, as kube-controller-manager does.
        var accounts = await kubectl.OkAsync("get", "serviceaccounts", "-n", "kube-system", "-o", "name");
        Assert.Contains("serviceaccount/deployment-controller", accounts);
        Assert.Contains("serviceaccount/replicaset-controller", accounts);

        await kubectl.OkAsync("delete", "clusterrolebinding", "system:controller:deployment-controller");
        await kubectl.OkAsync("create", "deployment", "second", "--image=busybox");
        await EventuallyAsync(() => Task.FromResult(server.Log.Contains("skiff-controller-manager/deployment-controller was refused by the API server (403 Forbidden)")
            && server.Log.Contains("User \"system:serviceaccount:kube-system:deployment-controller\" cannot create resource \"replicasets\"")),
            "the deployment controller's 403 in the server log", server);
        // Only the deployment controller lost its rights: the ReplicaSet controller still scales the first ReplicaSet.
        await kubectl.OkAsync("scale", "deployment", "first", "--replicas=0");
        await kubectl.OkAsync("scale", "rs", "-l", "app=first", "--replicas=2");
        await EventuallyAsync(async () => (await kubectl.OkAsync("get", "pods", "-l", "app=first", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 2,
            "the ReplicaSet controller to create two pods", server);

        await kubectl.OkAsync("create", "clusterrolebinding", "system:controller:deployment-controller", "--clusterrole=system:controller:deployment-controller",
            "--serviceaccount=kube-system:deployment-controller");
        await EventuallyAsync(async () => (await kubectl.OkAsync("get", "rs", "-l", "app=second", "-o", "name")).Contains("replicaset.apps/second-"), "the second ReplicaSet", server);
    }

    [Fact]
    public async Task NoComponent_IsRefused_InANormalRun()
    {
        await using var server = await SkiffServer.StartAsync(null, "--node-monitor-grace-period", "1h");
        var kubectl = new Kubectl(server.Kubeconfig);
        await kubectl.OkWithInputAsync(FakeNode, "apply", "-f", "-");
        await kubectl.OkAsync("create", "namespace", "work");
        await kubectl.OkAsync("create", "deployment", "web", "--image=busybox", "--replicas=2", "-n", "work");
        await kubectl.OkAsync("create", "job", "once", "--image=busybox", "-n", "work");
        await kubectl.OkAsync("expose", "deployment", "web", "--port=80", "-n", "work");
        await kubectl.OkAsync("create", "quota", "q", "--hard=pods=10", "-n", "work");
        await kubectl.OkAsync("create", "pdb", "web", "--selector=app=web", "--min-available=1", "-n", "work");
        await EventuallyAsync(async () => (await kubectl.OkAsync("get", "pods", "-n", "work", "-o", "jsonpath={.items[*].spec.nodeName}")).Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 3,
            "three scheduled pods", server);
        await EventuallyAsync(async () => (await kubectl.OkAsync("get", "endpointslices", "-n", "work", "-l", "kubernetes.io/service-name=web", "-o", "name")).Length > 0, "the Service's EndpointSlice", server);
        await EventuallyAsync(async () => (await kubectl.OkAsync("get", "quota", "q", "-n", "work", "-o", "jsonpath={.status.used.pods}")) == "3", "quota usage", server);
        // Pods on a node without an agent never finish terminating, so namespace deletion is shown on a namespace without pods.
        await kubectl.OkAsync("create", "namespace", "gone");
        await kubectl.OkAsync("create", "configmap", "c", "--from-literal=k=v", "-n", "gone");
        await kubectl.OkAsync("create", "role", "r", "--verb=get", "--resource=pods", "-n", "gone");
        await kubectl.OkAsync("create", "deployment", "empty", "--image=busybox", "--replicas=0", "-n", "gone");
        await kubectl.OkAsync("delete", "namespace", "gone", "--wait=false");
        await EventuallyAsync(async () => (await kubectl.RunAsync("get", "namespace", "gone")).ExitCode != 0, "namespace gone to be deleted", server);

        Assert.DoesNotContain("403 Forbidden", server.Log);
        Assert.DoesNotContain("is forbidden", server.Log);
    }

    /// <summary>The controllers the first run does not reach, each doing a write of its own, still with no 403.</summary>
    [Fact]
    public async Task WorkloadVolumeAndCertificateControllers_AreNotRefused()
    {
        await using var server = await SkiffServer.StartAsync(null, "--node-monitor-grace-period", "1h");
        var kubectl = new Kubectl(server.Kubeconfig);
        await kubectl.OkWithInputAsync(FakeNode, "apply", "-f", "-");
        using var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256);
        var csr = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=ident-user", key, System.Security.Cryptography.HashAlgorithmName.SHA256)
            .CreateSigningRequestPem();
        await kubectl.OkWithInputAsync($$$$"""
            apiVersion: apps/v1
            kind: DaemonSet
            metadata: {name: ds}
            spec:
              selector: {matchLabels: {app: ds}}
              template:
                metadata: {labels: {app: ds}}
                spec: {containers: [{name: c, image: busybox}]}
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata: {name: sts}
            spec:
              serviceName: sts
              replicas: 1
              selector: {matchLabels: {app: sts}}
              template:
                metadata: {labels: {app: sts}}
                spec: {containers: [{name: c, image: busybox}]}
            ---
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: cj}
            spec:
              schedule: "* * * * *"
              jobTemplate:
                spec:
                  template:
                    spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec: {containers: [{name: c, image: busybox, resources: {requests: {cpu: 100m}}}]}
            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata: {name: web}
            spec:
              scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
              minReplicas: 1
              maxReplicas: 3
              metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}}]
            ---
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: ident-pv}
            spec:
              capacity: {storage: 1Gi}
              accessModes: [ReadWriteOnce]
              storageClassName: manual
              hostPath: {path: /tmp/ident-pv}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: claim}
            spec:
              accessModes: [ReadWriteOnce]
              storageClassName: manual
              resources: {requests: {storage: 1Gi}}
            ---
            apiVersion: certificates.k8s.io/v1
            kind: CertificateSigningRequest
            metadata: {name: ident-user}
            spec:
              signerName: kubernetes.io/kube-apiserver-client
              usages: [client auth]
              request: {{{{Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(csr))}}}}
            """, "apply", "-f", "-");
        await kubectl.OkAsync("certificate", "approve", "ident-user");

        async Task<string> Get(params string[] args) => (await kubectl.OkAsync(["get", .. args])).Trim();
        await EventuallyAsync(async () => await Get("ds", "ds", "-o", "jsonpath={.status.currentNumberScheduled}") == "1", "the DaemonSet's pod and status", server);
        await EventuallyAsync(async () => await Get("sts", "sts", "-o", "jsonpath={.status.replicas}") == "1", "the StatefulSet's pod and status", server);
        await EventuallyAsync(async () => (await Get("controllerrevisions", "-o", "name")).Contains("controllerrevision.apps/sts-"), "the StatefulSet's revision", server);
        await EventuallyAsync(async () => await Get("pvc", "claim", "-o", "jsonpath={.status.phase}") == "Bound", "the claim to bind", server);
        await EventuallyAsync(async () => await Get("csr", "ident-user", "-o", "jsonpath={.status.certificate}") != "", "the certificate to be signed", server);
        await EventuallyAsync(async () => (await Get("hpa", "web", "-o", "jsonpath={.status.conditions[*].type}")).Contains("ScalingActive"), "the HPA's status", server);
        await EventuallyAsync(async () => await Get("cronjob", "cj", "-o", "jsonpath={.status.lastScheduleTime}") != "", "the CronJob's first job", server);

        Assert.DoesNotContain("403 Forbidden", server.Log);
        Assert.DoesNotContain("is forbidden", server.Log);
    }

    private static async Task EventuallyAsync(Func<Task<bool>> condition, string what, SkiffServer server)
    {
        var until = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"timed out waiting for {what}; server log:\n{server.Log}");
            }

            await Task.Delay(250);
        }
    }
}
