using System.Net;
using Skiff.ApiServer.Tests.Support;

namespace Skiff.ApiServer.Tests.Admission.PodSecurity;

/// <summary>The PodSecurity plugin through the real HTTP pipeline: enforce, warn, workload templates, namespace labels.</summary>
public sealed class PodSecurityAdmissionTests
{
    private const string PrivilegedPod = """{"metadata":{"name":"priv"},"spec":{"containers":[{"name":"c","image":"busybox","securityContext":{"privileged":true}}]}}""";
    private const string PlainPod = """{"metadata":{"name":"plain"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}""";

    [Fact]
    public async Task Enforce_RejectsWithKubernetesMessage_WarnAddsWarningHeader()
    {
        await using var server = await TestServer.StartAsync();
        await CreateNamespaceAsync(server, "strict", """{"pod-security.kubernetes.io/enforce":"baseline","pod-security.kubernetes.io/warn":"restricted","pod-security.kubernetes.io/warn-version":"v1.30"}""");

        var denied = await server.Client.PostAsync("/api/v1/namespaces/strict/pods", TestServer.Json(PrivilegedPod));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var body = await denied.Content.ReadAsStringAsync();
        Assert.Contains("""pods \"priv\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"c\" must not set securityContext.privileged=true)""", body);
        Assert.False(denied.Headers.Contains("Warning"));

        var allowed = await server.Client.PostAsync("/api/v1/namespaces/strict/pods", TestServer.Json(PlainPod));
        Assert.Equal(HttpStatusCode.Created, allowed.StatusCode);
        var warning = Assert.Single(allowed.Headers.GetValues("Warning"));
        Assert.StartsWith("299 - \"would violate PodSecurity \\\"restricted:v1.30\\\": allowPrivilegeEscalation != false", warning);

        // Updates that change only metadata are not judged again.
        var relabel = await server.Client.PatchAsync("/api/v1/namespaces/strict/pods/plain",
            new StringContent("""{"metadata":{"labels":{"a":"b"}}}""", System.Text.Encoding.UTF8, "application/merge-patch+json"));
        Assert.Equal(HttpStatusCode.OK, relabel.StatusCode);
        Assert.False(relabel.Headers.Contains("Warning"));
    }

    [Fact]
    public async Task Workloads_GetWarningsForTheirTemplate_NotRejections()
    {
        await using var server = await TestServer.StartAsync();
        await CreateNamespaceAsync(server, "apps", """{"pod-security.kubernetes.io/enforce":"restricted","pod-security.kubernetes.io/warn":"restricted"}""");
        var deployment = await server.Client.PostAsync("/apis/apps/v1/namespaces/apps/deployments", TestServer.Json("""
            {"metadata":{"name":"web"},"spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
             "spec":{"containers":[{"name":"web","image":"nginx","securityContext":{"privileged":true}}]}}}}
            """));
        Assert.Equal(HttpStatusCode.Created, deployment.StatusCode);
        Assert.Contains(deployment.Headers.GetValues("Warning"), w => w.Contains("would violate PodSecurity \\\"restricted:latest\\\": privileged (container \\\"web\\\" must not set securityContext.privileged=true)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Namespace_InvalidLabel_Is422_TighteningWarnsAboutExistingPods()
    {
        await using var server = await TestServer.StartAsync();
        var invalid = await server.Client.PostAsync("/api/v1/namespaces", TestServer.Json("""{"metadata":{"name":"typo","labels":{"pod-security.kubernetes.io/enforce":"strict"}}}"""));
        Assert.Equal((HttpStatusCode)422, invalid.StatusCode);
        Assert.Contains("metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \\\"strict\\\": must be one of privileged, baseline, restricted", await invalid.Content.ReadAsStringAsync());

        await CreateNamespaceAsync(server, "loose", "{}");
        Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsync("/api/v1/namespaces/loose/pods", TestServer.Json(PrivilegedPod))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsync("/api/v1/namespaces/loose/pods", TestServer.Json(PlainPod))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await server.Client.PostAsync("/api/v1/namespaces/loose/pods", TestServer.Json(PrivilegedPod.Replace("\"priv\"", "\"priv2\"", StringComparison.Ordinal)))).StatusCode);

        var dryRun = await server.Client.PatchAsync("/api/v1/namespaces/loose?dryRun=All",
            new StringContent("""{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"baseline"}}}""", System.Text.Encoding.UTF8, "application/merge-patch+json"));
        Assert.Equal(HttpStatusCode.OK, dryRun.StatusCode);
        var warnings = dryRun.Headers.GetValues("Warning").ToList();
        Assert.Equal(
        [
            "299 - \"existing pods in namespace \\\"loose\\\" violate the new PodSecurity enforce level \\\"baseline:latest\\\"\"",
            "299 - \"priv (and 1 other pods): privileged\"",
        ], warnings);
    }

    private static async Task CreateNamespaceAsync(TestServer server, string name, string labels)
    {
        var r = await server.Client.PostAsync("/api/v1/namespaces", TestServer.Json("{\"metadata\":{\"name\":\"" + name + "\",\"labels\":" + labels + "}}"));
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
    }
}
