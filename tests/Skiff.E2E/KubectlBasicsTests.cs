using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>The real kubectl binaries against a real <c>skiff server</c>: what a user types and sees.</summary>
public sealed class KubectlBasicsTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    public static TheoryData<string> Versions()
    {
        var data = new TheoryData<string>();
        foreach (var v in Kubectl.InstalledVersions())
        {
            data.Add(v);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task GetNamespaces_EveryKubectlVersion_ListsSystemNamespaces(string version)
    {
        var k = fixture.Kubectl(version);
        var output = await k.OkAsync("get", "namespaces");
        var lines = output.Trim().Split('\n');
        Assert.Matches(@"^NAME\s+STATUS\s+AGE$", lines[0].TrimEnd());
        foreach (var ns in new[] { "default", "kube-node-lease", "kube-public", "kube-system" })
        {
            Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, $@"^{ns}\s+Active\s+\d+s$"));
        }
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task CreateGetDeleteConfigMap_EveryKubectlVersion_Works(string version)
    {
        var k = fixture.Kubectl(version);
        var name = "cm-v" + version.Replace(".", "-");
        var manifest = $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  a: b\n";

        // 1.27 and 1.28 validate against OpenAPI v2 in protobuf form only; the issue allows --validate=false for them.
        var validate = int.Parse(version.Split('.')[1]) >= 29 ? "--validate=true" : "--validate=false";
        Assert.Contains($"configmap/{name} created", await k.OkWithInputAsync(manifest, "create", "-f", "-", validate));
        var get = await k.OkAsync("get", "configmap", name);
        Assert.Matches(@"NAME\s+DATA\s+AGE", get);
        Assert.Matches($@"{name}\s+1\s+\d+s", get);
        Assert.Contains("a: b", await k.OkAsync("get", "configmap", name, "-o", "yaml"));
        Assert.Contains($"configmap \"{name}\" deleted", await k.OkAsync("delete", "configmap", name));
        var missing = await k.RunAsync("get", "configmap", name);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains($"configmaps \"{name}\" not found", missing.Stderr);
    }

    [Fact]
    public async Task ApiResources_ShowsShortNamesAndGroups()
    {
        var output = await fixture.Kubectl().OkAsync("api-resources");
        Assert.Matches(@"pods\s+po\s+v1\s+true\s+Pod", output);
        Assert.Matches(@"deployments\s+deploy\s+apps/v1\s+true\s+Deployment", output);
        Assert.Matches(@"namespaces\s+ns\s+v1\s+false\s+Namespace", output);
        Assert.Matches(@"clusterroles\s+rbac.authorization.k8s.io/v1\s+false\s+ClusterRole", output);
        var wide = await fixture.Kubectl().OkAsync("api-resources", "-o", "wide");
        Assert.Matches(@"pods\s+po\s+v1\s+true\s+Pod\s+create,delete,deletecollection,get,list,patch,update,watch\s+all", wide);
    }

    [Fact]
    public async Task Version_PrintsServerVersion()
    {
        var output = await fixture.Kubectl().OkAsync("version");
        Assert.Contains("Server Version: v1.33.", output);
    }

    [Fact]
    public async Task BadManifest_GetsReadableInvalidError()
    {
        var k = fixture.Kubectl();
        var r = await k.RunWithInputAsync("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n", "create", "-f", "-");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("ConfigMap \"Not_Valid\" is invalid: metadata.name: Invalid value: \"Not_Valid\"", r.Stderr);
        var wrongNs = await k.RunAsync("get", "pods", "-n", "does-not-exist");
        Assert.Equal(0, wrongNs.ExitCode);
        Assert.Contains("No resources found in does-not-exist namespace.", wrongNs.Stderr);
        var unknown = await k.RunAsync("get", "frobnicators");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("the server doesn't have a resource type \"frobnicators\"", unknown.Stderr);
    }

    [Fact]
    public async Task Watch_SeesCreateUpdateDelete()
    {
        var k = fixture.Kubectl();
        await k.OkAsync("create", "namespace", "watch-ns");
        await using var watch = await k.StartAsync("get", "configmaps", "-n", "watch-ns", "--watch", "--output-watch-events");
        await k.OkAsync("create", "configmap", "watched", "-n", "watch-ns", "--from-literal=a=b");
        await watch.WaitForOutputAsync(@"ADDED\s+watched");
        await k.OkAsync("label", "configmap", "watched", "-n", "watch-ns", "x=y");
        await watch.WaitForOutputAsync(@"MODIFIED\s+watched");
        await k.OkAsync("delete", "configmap", "watched", "-n", "watch-ns");
        await watch.WaitForOutputAsync(@"DELETED\s+watched");
    }

    [Fact]
    public async Task Metrics_OneScrapeHasApiServerAndControllerMetrics()
    {
        var k = fixture.Kubectl();
        await k.OkAsync("get", "namespaces");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string text;
        do
        {
            text = await k.OkAsync("get", "--raw", "/metrics");
        }
        while (!text.Contains("workqueue_depth", StringComparison.Ordinal) && DateTime.UtcNow < deadline);

        Assert.Contains("apiserver_request_total{verb=\"LIST\"", text);
        Assert.Contains("workqueue_depth{name=", text);
    }
}
