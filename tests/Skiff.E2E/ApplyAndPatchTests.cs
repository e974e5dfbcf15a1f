using System.Text.Json.Nodes;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// The real kubectl's apply (client- and server-side), diff, edit, label, annotate, scale, set, rollout restart and
/// patch against a real <c>skiff server</c>, asserting the objects they leave behind.
/// </summary>
public sealed class ApplyAndPatchTests(ServerFixture fixture) : IClassFixture<ServerFixture>
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

    // 1.27 and 1.28 validate against OpenAPI v2 in protobuf form only; the issue allows --validate=false for them.
    private static string Validate(string version) => int.Parse(version.Split('.')[1]) >= 29 ? "--validate=true" : "--validate=false";

    private static string Manifest(string ns, int replicas, bool withSidecar, bool withB, bool withHttps, string dataKey) => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: {ns}
          labels: {"{"}app: web{"}"}
        spec:
          replicas: {replicas}
          selector: {"{"}matchLabels: {"{"}app: web{"}}"}
          template:
            metadata: {"{"}labels: {"{"}app: web{"}}"}
            spec:
              containers:
              - name: web
                image: nginx:1
                env:
                - {"{"}name: A, value: "1"{"}"}
        {(withB ? "        - {name: B, value: \"2\"}\n" : "")}{(withSidecar ? "      - name: side\n        image: busybox\n" : "")}---
        apiVersion: v1
        kind: Service
        metadata: {"{"}name: web, namespace: {ns}{"}"}
        spec:
          selector: {"{"}app: web{"}"}
          ports:
          - {"{"}name: http, port: 80{"}"}
        {(withHttps ? "  - {name: https, port: 443}\n" : "")}---
        apiVersion: v1
        kind: ConfigMap
        metadata: {"{"}name: cfg, namespace: {ns}{"}"}
        data:
          a: "1"
          {dataKey}: "2"
        """;

    private static async Task<JsonNode> GetJsonAsync(Kubectl k, params string[] args) =>
        JsonNode.Parse(await k.OkAsync([.. args, "-o", "json"]))!;

    private async Task<(Kubectl K, string Ns)> NamespaceAsync(string prefix, string version = "1.33")
    {
        var k = fixture.Kubectl(version);
        var ns = prefix + "-" + version.Replace(".", "-");
        await k.OkAsync("create", "namespace", ns);
        return (k, ns);
    }

    private static async Task<string> WriteAsync(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), "skiff-manifest-" + Guid.NewGuid().ToString("N")[..10] + ".yaml");
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ClientSideApply_CreatesUnchangedConfiguresAndRemoves_EveryKubectlVersion(string version)
    {
        var (k, ns) = await NamespaceAsync("csa", version);
        var v = Validate(version);
        var first = await WriteAsync(Manifest(ns, 2, withSidecar: true, withB: true, withHttps: true, dataKey: "b"));
        var created = await k.OkAsync("apply", "-f", first, v);
        Assert.Contains("deployment.apps/web created", created);
        Assert.Contains("service/web created", created);
        Assert.Contains("configmap/cfg created", created);
        var deploy = await GetJsonAsync(k, "get", "deployment", "web", "-n", ns);
        Assert.Contains("kubectl.kubernetes.io/last-applied-configuration", deploy["metadata"]!["annotations"]!.AsObject().Select(kv => kv.Key));

        var again = await k.OkAsync("apply", "-f", first, v);
        Assert.Contains("deployment.apps/web unchanged", again);
        Assert.Contains("service/web unchanged", again);
        Assert.Contains("configmap/cfg unchanged", again);

        // Fields set by others survive a later apply that does not mention them.
        await k.OkAsync("label", "deployment", "web", "-n", ns, "owner=someone-else");
        await k.OkAsync("annotate", "configmap", "cfg", "-n", ns, "note=kept");

        var edited = await WriteAsync(Manifest(ns, 3, withSidecar: false, withB: false, withHttps: false, dataKey: "c"));
        var configured = await k.OkAsync("apply", "-f", edited, v);
        Assert.Contains("deployment.apps/web configured", configured);
        Assert.Contains("service/web configured", configured);
        Assert.Contains("configmap/cfg configured", configured);

        deploy = await GetJsonAsync(k, "get", "deployment", "web", "-n", ns);
        Assert.Equal(3, (int)deploy["spec"]!["replicas"]!);
        Assert.Equal("someone-else", (string?)deploy["metadata"]!["labels"]!["owner"]);
        var containers = deploy["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal(["web"], containers.Select(c => (string)c!["name"]!));
        Assert.Equal(["A"], containers[0]!["env"]!.AsArray().Select(e => (string)e!["name"]!));
        Assert.Equal(600, (int)deploy["spec"]!["progressDeadlineSeconds"]!);

        var svc = await GetJsonAsync(k, "get", "service", "web", "-n", ns);
        Assert.Equal(["http"], svc["spec"]!["ports"]!.AsArray().Select(p => (string)p!["name"]!));

        var cm = await GetJsonAsync(k, "get", "configmap", "cfg", "-n", ns);
        Assert.Equal("""{"a":"1","c":"2"}""", cm["data"]!.ToJsonString());
        Assert.Equal("kept", (string?)cm["metadata"]!["annotations"]!["note"]);
        Assert.Contains("unchanged", await k.OkAsync("apply", "-f", edited, v));
    }

    [Fact]
    public async Task Diff_ShowsPendingChange_ThenNothingAfterApply()
    {
        var (k, ns) = await NamespaceAsync("diff");
        var first = await WriteAsync(Manifest(ns, 1, withSidecar: false, withB: false, withHttps: false, dataKey: "b"));
        await k.OkAsync("apply", "-f", first);
        var changed = await WriteAsync(Manifest(ns, 4, withSidecar: false, withB: false, withHttps: false, dataKey: "b"));
        var diff = await k.RunAsync("diff", "-f", changed);
        Assert.Equal(1, diff.ExitCode);
        Assert.Contains("-  replicas: 1", diff.Stdout);
        Assert.Contains("+  replicas: 4", diff.Stdout);

        // diff is a dry run: nothing changed.
        Assert.Equal(1, (int)(await GetJsonAsync(k, "get", "deployment", "web", "-n", ns))["spec"]!["replicas"]!);
        await k.OkAsync("apply", "-f", changed);
        var none = await k.RunAsync("diff", "-f", changed);
        Assert.True(none.ExitCode == 0, none.Stderr + none.Stdout);
        Assert.Equal(string.Empty, none.Stdout);

        var serverSide = await k.RunAsync("diff", "--server-side", "--force-conflicts", "-f", first);
        Assert.Equal(1, serverSide.ExitCode);
        Assert.Contains("+  replicas: 1", serverSide.Stdout);
    }

    [Fact]
    public async Task Edit_WithEditorScript_ChangesObject()
    {
        var (k, ns) = await NamespaceAsync("edit");
        await k.OkWithInputAsync($"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: ed, namespace: {ns}}}\ndata: {{color: red}}\n", "apply", "-f", "-");
        var editor = Path.Combine(Path.GetTempPath(), "skiff-editor-" + Guid.NewGuid().ToString("N")[..8] + ".sh");
        await File.WriteAllTextAsync(editor, "#!/bin/sh\nsed -i 's/color: red/color: blue/' \"$1\"\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(editor, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var r = await k.RunWithEnvironmentAsync(new Dictionary<string, string> { ["KUBE_EDITOR"] = editor }, "edit", "configmap", "ed", "-n", ns);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains("configmap/ed edited", r.Stdout);
        var cm = await GetJsonAsync(k, "get", "configmap", "ed", "-n", ns, "--show-managed-fields");
        Assert.Equal("blue", (string?)cm["data"]!["color"]);
        Assert.Contains(cm["metadata"]!["managedFields"]!.AsArray(), e => (string?)e!["manager"] == "kubectl-edit");
    }

    [Fact]
    public async Task ImperativeCommands_ChangeDeployment()
    {
        var (k, ns) = await NamespaceAsync("imp");
        await k.OkAsync("apply", "-f", await WriteAsync(Manifest(ns, 1, withSidecar: true, withB: false, withHttps: false, dataKey: "b")));
        Assert.Contains("labeled", await k.OkAsync("label", "deployment", "web", "-n", ns, "env=prod"));
        Assert.Contains("annotated", await k.OkAsync("annotate", "deployment", "web", "-n", ns, "note=hello"));
        Assert.Contains("scaled", await k.OkAsync("scale", "deployment", "web", "-n", ns, "--replicas=5"));
        Assert.Contains("image updated", await k.OkAsync("set", "image", "deployment/web", "-n", ns, "web=nginx:2"));
        Assert.Contains("env updated", await k.OkAsync("set", "env", "deployment/web", "-n", ns, "-c", "web", "C=3"));
        Assert.Contains("restarted", await k.OkAsync("rollout", "restart", "deployment/web", "-n", ns));
        await k.OkAsync("label", "deployment", "web", "-n", ns, "env-");

        var d = await GetJsonAsync(k, "get", "deployment", "web", "-n", ns, "--show-managed-fields");
        Assert.Null(d["metadata"]!["labels"]!["env"]);
        Assert.Equal("hello", (string?)d["metadata"]!["annotations"]!["note"]);
        Assert.Equal(5, (int)d["spec"]!["replicas"]!);
        var containers = d["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal("nginx:2", (string?)containers.First(c => (string?)c!["name"] == "web")!["image"]);
        Assert.Equal("busybox", (string?)containers.First(c => (string?)c!["name"] == "side")!["image"]);
        Assert.Equal(["A", "C"], containers.First(c => (string?)c!["name"] == "web")!["env"]!.AsArray().Select(e => (string)e!["name"]!));
        Assert.False(string.IsNullOrEmpty((string?)d["spec"]!["template"]!["metadata"]!["annotations"]!["kubectl.kubernetes.io/restartedAt"]));
        var managers = d["metadata"]!["managedFields"]!.AsArray().Select(e => (string?)e!["manager"]).ToList();
        Assert.Contains("kubectl-client-side-apply", managers);
        Assert.Contains("kubectl-annotate", managers);

        // The label kubectl-label set is gone again, and with it everything kubectl-label owned.
        Assert.DoesNotContain("kubectl-label", managers);
        Assert.Contains("kubectl-set", managers);
    }

    [Fact]
    public async Task PatchTypes_OnPodConfigMapAndService()
    {
        var (k, ns) = await NamespaceAsync("ptype");
        await k.OkWithInputAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: p, namespace: {{ns}}}
            spec:
              containers:
              - {name: a, image: busybox}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: c, namespace: {{ns}}}
            data: {x: "1"}
            """, "apply", "-f", "-");
        await k.OkAsync("patch", "pod", "p", "-n", ns, "-p", """{"spec":{"containers":[{"name":"a","image":"busybox:2"}]}}""");
        await k.OkAsync("patch", "pod", "p", "-n", ns, "--type=merge", "-p", """{"metadata":{"labels":{"m":"1"}}}""");
        await k.OkAsync("patch", "pod", "p", "-n", ns, "--type=json", "-p", """[{"op":"add","path":"/metadata/annotations/j","value":"2"}]""");
        var pod = await GetJsonAsync(k, "get", "pod", "p", "-n", ns);
        Assert.Equal("busybox:2", (string?)pod["spec"]!["containers"]![0]!["image"]);
        Assert.Equal("1", (string?)pod["metadata"]!["labels"]!["m"]);
        Assert.Equal("2", (string?)pod["metadata"]!["annotations"]!["j"]);

        await k.OkAsync("patch", "configmap", "c", "-n", ns, "--type=strategic", "-p", """{"data":{"x":null,"y":"2"}}""");
        Assert.Equal("""{"y":"2"}""", (await GetJsonAsync(k, "get", "configmap", "c", "-n", ns))["data"]!.ToJsonString());

        // A failing test op changes nothing and says why.
        var failed = await k.RunAsync("patch", "configmap", "c", "-n", ns, "--type=json", "-p", """[{"op":"test","path":"/data/y","value":"no"},{"op":"remove","path":"/data/y"}]""");
        Assert.NotEqual(0, failed.ExitCode);
        Assert.Contains("test failed", failed.Stderr);
        var bad = await k.RunAsync("patch", "configmap", "c", "-n", ns, "-p", """{"data":{"$patch":"frobnicate"}}""");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("unknown patch type", bad.Stderr);
        Assert.Equal("""{"y":"2"}""", (await GetJsonAsync(k, "get", "configmap", "c", "-n", ns))["data"]!.ToJsonString());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task ServerSideApply_ConflictsAndForce_EveryKubectlVersion(string version)
    {
        var (k, ns) = await NamespaceAsync("ssa", version);
        var v = Validate(version);
        var manifest = $"""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {"{"}name: ssa, namespace: {ns}{"}"}
            spec:
              replicas: REPLICAS
              selector: {"{"}matchLabels: {"{"}app: ssa{"}}"}
              template:
                metadata: {"{"}labels: {"{"}app: ssa{"}}"}
                spec:
                  containers:
                  - name: web
                    image: nginx:1
                    ports: [{"{"}containerPort: 80{"}"}]
            """;
        Assert.Contains("deployment.apps/ssa serverside-applied", await k.OkWithInputAsync(manifest.Replace("REPLICAS", "2"), "apply", "--server-side", "-f", "-", v));
        Assert.Contains("serverside-applied", await k.OkWithInputAsync(manifest.Replace("REPLICAS", "2"), "apply", "--server-side", "-f", "-", v));
        var d = await GetJsonAsync(k, "get", "deployment", "ssa", "-n", ns, "--show-managed-fields");
        var entry = d["metadata"]!["managedFields"]!.AsArray().First(e => (string?)e!["operation"] == "Apply")!;
        Assert.Equal("kubectl", (string?)entry["manager"]);
        Assert.NotNull(entry["fieldsV1"]!["f:spec"]!["f:replicas"]);

        await k.OkAsync("patch", "deployment", "ssa", "-n", ns, "--type=merge", "--field-manager=autoscaler", "-p", """{"spec":{"replicas":4}}""");
        var conflict = await k.RunWithInputAsync(manifest.Replace("REPLICAS", "6"), "apply", "--server-side", "-f", "-", v);
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("Apply failed with 1 conflict: conflict with \"autoscaler\" using apps/v1: .spec.replicas", conflict.Stderr);
        Assert.Equal(4, (int)(await GetJsonAsync(k, "get", "deployment", "ssa", "-n", ns))["spec"]!["replicas"]!);

        await k.OkWithInputAsync(manifest.Replace("REPLICAS", "6"), "apply", "--server-side", "--force-conflicts", "-f", "-", v);
        d = await GetJsonAsync(k, "get", "deployment", "ssa", "-n", ns, "--show-managed-fields");
        Assert.Equal(6, (int)d["spec"]!["replicas"]!);
        Assert.DoesNotContain(d["metadata"]!["managedFields"]!.AsArray(), e => (string?)e!["manager"] == "autoscaler");

        // The port is no longer applied and nobody else owns it: it goes.
        var withoutPort = manifest.Replace("REPLICAS", "6").Replace("        ports: [{containerPort: 80}]", string.Empty);
        await k.OkWithInputAsync(withoutPort, "apply", "--server-side", "-f", "-", v);
        d = await GetJsonAsync(k, "get", "deployment", "ssa", "-n", ns);
        Assert.Null(d["spec"]!["template"]!["spec"]!["containers"]![0]!["ports"]);
    }
}
