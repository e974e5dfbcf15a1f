using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>Pod Security admission as a kubectl user sees it: namespace labels enforce, warn and dry-run warn.</summary>
public sealed class PodSecurityTests
{
    private const string PrivilegedPod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: priv
        spec:
          containers:
          - name: c
            image: busybox
            securityContext:
              privileged: true
        """;

    [Fact]
    public async Task NamespaceLabels_EnforceWarnAndDryRun_AsKubernetes()
    {
        await using var server = await SkiffServer.StartAsync();
        var k = new Kubectl(server.Kubeconfig);

        // restricted enforce rejects a privileged pod with Kubernetes' message.
        await k.OkAsync("create", "namespace", "locked");
        await k.OkAsync("label", "namespace", "locked", "pod-security.kubernetes.io/enforce=restricted");
        var denied = await k.RunWithInputAsync(PrivilegedPod, "apply", "-n", "locked", "-f", "-");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains(
            "pods \"priv\" is forbidden: violates PodSecurity \"restricted:latest\": privileged (container \"c\" must not set securityContext.privileged=true), " +
            "allowPrivilegeEscalation != false (container \"c\" must set securityContext.allowPrivilegeEscalation=false), " +
            "unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]), " +
            "runAsNonRoot != true (pod or container \"c\" must set securityContext.runAsNonRoot=true), " +
            "seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
            denied.Stderr);
        Assert.Contains("NotFound", (await k.RunAsync("get", "pod", "priv", "-n", "locked")).Stderr);

        // baseline allows a plain pod; warn=restricted prints the warning kubectl shows.
        await k.OkAsync("create", "namespace", "team");
        await k.OkAsync("label", "namespace", "team", "pod-security.kubernetes.io/enforce=baseline", "pod-security.kubernetes.io/warn=restricted",
            "pod-security.kubernetes.io/warn-version=v1.30");
        var plain = await k.RunAsync("run", "plain", "-n", "team", "--image=busybox", "--restart=Never");
        Assert.Equal(0, plain.ExitCode);
        Assert.Contains("Warning: would violate PodSecurity \"restricted:v1.30\": allowPrivilegeEscalation != false (container \"plain\" must set securityContext.allowPrivilegeEscalation=false)", plain.Stderr);
        Assert.Contains("pod/plain created", plain.Stdout);
        var baselineDenied = await k.RunWithInputAsync(PrivilegedPod, "create", "-n", "team", "-f", "-");
        Assert.Contains("violates PodSecurity \"baseline:latest\": privileged (container \"c\" must not set securityContext.privileged=true)", baselineDenied.Stderr);

        // Tightening a namespace with --dry-run=server names the existing pods that would be rejected, and changes nothing.
        var dry = await k.RunAsync("label", "--dry-run=server", "--overwrite", "namespace", "team", "pod-security.kubernetes.io/enforce=restricted");
        Assert.Equal(0, dry.ExitCode);
        Assert.Contains("Warning: existing pods in namespace \"team\" violate the new PodSecurity enforce level \"restricted:latest\"", dry.Stderr);
        Assert.Contains("Warning: plain: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile", dry.Stderr);
        Assert.Equal("baseline", (await k.OkAsync("get", "namespace", "team", "-o", "jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}")).Trim());

        // A Deployment gets the warning for its template at create time.
        var deploy = await k.RunAsync("create", "deployment", "web", "-n", "team", "--image=nginx");
        Assert.Equal(0, deploy.ExitCode);
        Assert.Contains("Warning: would violate PodSecurity \"restricted:v1.30\":", deploy.Stderr);

        // A bad level is refused as Kubernetes refuses it.
        var typo = await k.RunAsync("label", "--overwrite", "namespace", "team", "pod-security.kubernetes.io/enforce=strict");
        Assert.NotEqual(0, typo.ExitCode);
        Assert.Contains("Invalid value: \"strict\": must be one of privileged, baseline, restricted", typo.Stderr);
    }
}
