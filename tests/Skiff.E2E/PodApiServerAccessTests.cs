using Skiff.E2E.Support;
using Xunit.Abstractions;

namespace Skiff.E2E;

/// <summary>
/// A pod (real containerd, in the node server's own network namespace) calls the API server the way in-cluster
/// clients do: the official client library's in-cluster configuration (client-go's <c>rest.InClusterConfig</c>, here
/// inside the real kubectl) with no kubeconfig and no flags, which reads <c>KUBERNETES_SERVICE_HOST</c>/<c>PORT</c>
/// from the environment the kubelet sets, the token, <c>ca.crt</c> and namespace mounted at
/// /var/run/secrets/kubernetes.io/serviceaccount, and verifies the serving certificate against that <c>ca.crt</c>.
/// The server advertises a non-loopback address of the namespace, which the <c>kubernetes</c> Service's endpoints
/// carry and the Service proxy forwards the VIP to.
/// </summary>
/// <remarks>
/// Why not busybox wget: the host's busybox wget hands HTTPS to <c>openssl s_client</c> when an openssl binary is on
/// PATH, so it works on the host; the test image has none, so busybox falls back to its own TLS client, whose
/// ClientHello (busybox 1.35) carries no signature_algorithms extension. A TLS 1.2 server must then assume SHA-1
/// signatures, which OpenSSL 3 (under .NET's SslStream, as under <c>openssl s_server</c>) refuses at its default
/// security level: "no shared cipher", alert 40. Go's crypto/tls (kube-apiserver) refuses them too since Go 1.25
/// (RFC 9155, golang/go#72883). So it is a limitation of that client, not of Skiff.
/// </remarks>
public sealed class PodApiServerAccessTests(ITestOutputHelper output)
{
    /// <summary>TEST-NET-2: never routed, and only ever assigned inside the test's own namespace.</summary>
    private const string Advertise = "198.51.100.10";

    /// <summary>Where the kubectl binaries are on this machine; mounted read-only into the pod (they are static Go binaries).</summary>
    private const string KubectlDir = "/usr/lib/google-cloud-sdk/bin";

    [Fact]
    public async Task Pod_ListsPodsWithInClusterConfig_ForbiddenUntilARoleBindingAllowsItsServiceAccount()
    {
        // The namespace gets the advertised address on its loopback device, so nothing leaves the namespace.
        await using var node = await NodeServer.StartAsync("127.0.0.1", AddAdvertisedAddressAsync, "--advertise-address", Advertise);
        var k = node.Kubectl;

        // The Service's endpoints are the advertised address, not loopback.
        await node.EventuallyAsync(async () => (await k.RunAsync("get", "endpoints", "kubernetes", "-o", "jsonpath={.subsets[0].addresses[0].ip}")).Stdout.Trim() == Advertise, "endpoints " + Advertise);

        var ns = "podapi-" + Guid.NewGuid().ToString("N")[..6];
        await k.OkAsync("create", "namespace", ns);
        // The pod's service account and the CA it mounts come from controllers; wait for both, as a user would.
        await node.EventuallyAsync(async () => (await k.RunAsync("get", "serviceaccount", "default", "-n", ns)).ExitCode == 0, "the default ServiceAccount in " + ns);
        await node.EventuallyAsync(async () => (await k.RunAsync("get", "configmap", "kube-root-ca.crt", "-n", ns)).ExitCode == 0, "kube-root-ca.crt in " + ns);

        // No kubeconfig, no --server, no --insecure-skip-tls-verify, no --token: only the in-cluster configuration.
        // HOME points at a writable directory for kubectl's discovery cache (the image has no home directory).
        const string script =
            "echo HOST=$KUBERNETES_SERVICE_HOST PORT=$KUBERNETES_SERVICE_PORT; " +
            "ls /var/run/secrets/kubernetes.io/serviceaccount; " +
            "echo NAMESPACE=$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace); " +
            "/kubectl/kubectl.1.33 auth whoami -o json; echo WHOAMI-EXIT=$?; " +
            "/kubectl/kubectl.1.33 get pods 2>&1; echo FIRST-EXIT=$?; " +
            "i=0; until /kubectl/kubectl.1.33 get pods >/tmp/out 2>&1; do i=$((i+1)); if [ $i -ge 120 ]; then echo GAVE-UP; break; fi; sleep 1; done; " +
            "echo LIST-BEGIN; cat /tmp/out; echo LIST-END; " +
            "/kubectl/kubectl.1.27 get pods -o name 2>&1; echo OLD-CLIENT-EXIT=$?; echo DONE; sleep 3600";
        var manifest = $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: in-cluster
              namespace: {{ns}}
            spec:
              restartPolicy: Never
              containers:
              - name: client
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "{{script}}"]
                env:
                - name: HOME
                  value: /tmp
                volumeMounts:
                - name: kubectl
                  mountPath: /kubectl
                  readOnly: true
              volumes:
              - name: kubectl
                hostPath:
                  path: {{KubectlDir}}
                  type: Directory
            """;
        await k.OkWithInputAsync(manifest, "apply", "-f", "-");

        // First answer: 403, with the message kube-apiserver gives, naming the pod's service account.
        var logs = await WaitForLogAsync(node, ns, "FIRST-EXIT=");
        Assert.Contains("HOST=10.43.0.1 PORT=443", logs, StringComparison.Ordinal);
        Assert.Contains("NAMESPACE=" + ns, logs, StringComparison.Ordinal);
        foreach (var file in new[] { "ca.crt", "namespace", "token" })
        {
            Assert.Contains(file, logs, StringComparison.Ordinal);
        }

        Assert.Contains(
            $"Error from server (Forbidden): pods is forbidden: User \"system:serviceaccount:{ns}:default\" cannot list resource \"pods\" in API group \"\" in the namespace \"{ns}\"",
            logs,
            StringComparison.Ordinal);
        Assert.Contains("FIRST-EXIT=1", logs, StringComparison.Ordinal);

        // kubectl auth whoami from the pod: the service account and what the pod-bound token says about the pod.
        Assert.Contains("WHOAMI-EXIT=0", logs, StringComparison.Ordinal);
        var compact = logs.Replace(" ", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal);
        Assert.Contains($"\"username\":\"system:serviceaccount:{ns}:default\"", compact, StringComparison.Ordinal);
        Assert.Contains($"\"system:serviceaccounts:{ns}\"", compact, StringComparison.Ordinal);
        var podUid = (await k.OkAsync("get", "pod", "in-cluster", "-n", ns, "-o", "jsonpath={.metadata.uid}")).Trim();
        Assert.Contains("\"authentication.kubernetes.io/pod-name\":[\"in-cluster\"]", compact, StringComparison.Ordinal);
        Assert.Contains($"\"authentication.kubernetes.io/pod-uid\":[\"{podUid}\"]", compact, StringComparison.Ordinal);
        Assert.Contains($"\"authentication.kubernetes.io/node-name\":[\"{NodeServer.NodeName}\"]", compact, StringComparison.Ordinal);

        // Allowed by a RoleBinding: the pod's next try lists the pods of its namespace (itself).
        await k.OkAsync("create", "rolebinding", "default-view", "-n", ns, "--clusterrole=view", $"--serviceaccount={ns}:default");
        logs = await WaitForLogAsync(node, ns, "DONE");
        output.WriteLine(logs);
        Assert.DoesNotContain("GAVE-UP", logs, StringComparison.Ordinal);
        var list = logs[(logs.IndexOf("LIST-BEGIN", StringComparison.Ordinal) + "LIST-BEGIN".Length)..logs.IndexOf("LIST-END", StringComparison.Ordinal)];
        Assert.Matches(@"NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE", list);
        Assert.Matches(@"(?m)^in-cluster\s+1/1\s+Running\s+0\s+", list);

        // An older client-go (kubectl 1.27) reads the same in-cluster configuration.
        Assert.Contains("pod/in-cluster\nOLD-CLIENT-EXIT=0", logs, StringComparison.Ordinal);

        // The certificate the pod's kubectl verified names the Service's VIP and DNS names and the advertise address.
        var (code, cert) = await node.InNetnsAsync("openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", Path.Combine(node.DataDir, "server", "tls", "serving-kube-apiserver.crt"));
        Assert.True(code == 0, cert);
        Assert.Contains("IP Address:10.43.0.1", cert, StringComparison.Ordinal);
        Assert.Contains("IP Address:" + Advertise, cert, StringComparison.Ordinal);
        Assert.Contains("DNS:kubernetes.default.svc,", cert, StringComparison.Ordinal);
    }

    private static async Task<string> WaitForLogAsync(NodeServer node, string ns, string marker)
    {
        var logs = string.Empty;
        try
        {
            await node.EventuallyAsync(async () =>
            {
                logs = (await node.Kubectl.RunAsync("logs", "in-cluster", "-n", ns)).Stdout;
                return logs.Contains(marker, StringComparison.Ordinal);
            }, $"'{marker}' in the logs of {ns}/in-cluster", 240);
        }
        catch (TimeoutException e)
        {
            var pod = await node.Kubectl.RunAsync("get", "pod", "in-cluster", "-n", ns, "-o", "yaml");
            throw new TimeoutException($"{e.Message}\n--- pod logs ---\n{logs}\n--- pod ---\n{pod.Stdout}{pod.Stderr}", e);
        }

        return logs;
    }

    private static async Task AddAdvertisedAddressAsync(string netns)
    {
        using var ip = System.Diagnostics.Process.Start("ip", ["-n", netns, "addr", "add", Advertise + "/32", "dev", "lo"]);
        await ip.WaitForExitAsync();
        Assert.Equal(0, ip.ExitCode);
    }
}
