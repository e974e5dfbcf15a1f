using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// Static pods with real containerd and the real kubectl: a manifest dropped into DATA/agent/pod-manifests runs as a
/// container and shows up as its mirror pod <c>NAME-NODE</c> (Running, with IP and node); deleting the mirror pod
/// brings a new mirror while the container keeps running; editing the file restarts the pod; removing the file stops
/// it and deletes the mirror pod.
/// </summary>
public sealed class StaticPodTests(NodeServerFixture fixture) : IClassFixture<NodeServerFixture>
{
    private readonly NodeServer _node = fixture.Node;

    private Kubectl K => _node.Kubectl;

    private string ManifestDir => Path.Combine(_node.DataDir, "agent", "pod-manifests");

    private static string Manifest(string message) => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: static-web
          labels:
            app: static-web
        spec:
          terminationGracePeriodSeconds: 1
          containers:
          - name: web
            image: {{NodeServer.TestImage}}
            imagePullPolicy: IfNotPresent
            command: [sh, -c, "echo {{message}}; exec sleep 3600"]
        """;

    [Fact]
    public async Task Manifest_runs_as_a_mirrored_pod_survives_mirror_deletion_restarts_on_edit_and_stops_on_removal()
    {
        var name = "static-web-" + NodeServer.NodeName;
        Directory.CreateDirectory(ManifestDir);
        await File.WriteAllTextAsync(Path.Combine(ManifestDir, "web.yaml"), Manifest("first"));

        string[] row = [];
        await _node.EventuallyAsync(async () =>
        {
            var wide = await K.RunAsync("get", "pods", "-o", "wide", "--no-headers");
            row = wide.Stdout.Split('\n').Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).FirstOrDefault(r => r.Length > 6 && r[0] == name) ?? [];
            return row.Length > 6 && row[1] == "1/1" && row[2] == "Running";
        }, $"{name} Running in kubectl get pods -o wide", 120);
        Assert.StartsWith("10.42.", row[5]);
        Assert.Equal(NodeServer.NodeName, row[6]);

        var hash = await _node.PodFieldAsync(name, "{.metadata.annotations.kubernetes\\.io/config\\.mirror}");
        Assert.Matches("^[0-9a-f]{32}$", hash);
        Assert.Equal("file", await _node.PodFieldAsync(name, "{.metadata.annotations.kubernetes\\.io/config\\.source}"));
        Assert.Equal("Node/" + NodeServer.NodeName, await _node.PodFieldAsync(name, "{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}"));
        Assert.Contains("first", await K.OkAsync("logs", name));

        // Deleting the mirror pod does not stop the static pod: a new mirror appears, showing the same container.
        var mirrorUid = await _node.PodFieldAsync(name, "{.metadata.uid}");
        var containerId = await _node.PodFieldAsync(name, "{.status.containerStatuses[0].containerID}");
        Assert.StartsWith("containerd://", containerId);
        await K.OkAsync("delete", "pod", name, "--wait=false");
        await _node.EventuallyAsync(async () =>
        {
            var uid = await _node.PodFieldAsync(name, "{.metadata.uid}");
            return uid.Length > 0 && uid != mirrorUid
                && await _node.PodFieldAsync(name, "{.status.phase}") == "Running"
                && await _node.PodFieldAsync(name, "{.metadata.deletionTimestamp}") == "";
        }, "a new mirror pod, Running");
        Assert.Equal(containerId, await _node.PodFieldAsync(name, "{.status.containerStatuses[0].containerID}"));
        Assert.Equal("0", await _node.PodFieldAsync(name, "{.status.containerStatuses[0].restartCount}"));

        // An edit of the file is a new pod: the old container stops, a new one runs the new command.
        await File.WriteAllTextAsync(Path.Combine(ManifestDir, "web.yaml"), Manifest("second"));
        await _node.EventuallyAsync(async () =>
        {
            var id = await _node.PodFieldAsync(name, "{.status.containerStatuses[0].containerID}");
            return id.StartsWith("containerd://", StringComparison.Ordinal) && id != containerId
                && await _node.PodFieldAsync(name, "{.status.phase}") == "Running"
                && (await K.RunAsync("logs", name)).Stdout.Contains("second", StringComparison.Ordinal);
        }, "the edited static pod Running with its new command", 120);
        Assert.NotEqual(hash, await _node.PodFieldAsync(name, "{.metadata.annotations.kubernetes\\.io/config\\.mirror}"));

        // Removing the file stops the pod and deletes its mirror.
        File.Delete(Path.Combine(ManifestDir, "web.yaml"));
        await _node.EventuallyAsync(async () =>
        {
            var get = await K.RunAsync("get", "pod", name);
            return get.ExitCode != 0 && get.Stderr.Contains("NotFound", StringComparison.Ordinal);
        }, "the mirror pod deleted", 120);
        await _node.EventuallyAsync(async () =>
        {
            var (_, output) = await _node.InNetnsAsync("ctr", "--address", Path.Combine(_node.DataDir, "agent", "containerd", "containerd.sock"), "-n", "k8s.io", "tasks", "ls");
            return !output.Contains(containerId["containerd://".Length..], StringComparison.Ordinal);
        }, "no task of the static pod's container");
    }

    [Fact]
    public async Task Invalid_manifest_is_ignored_and_named_in_the_log_while_a_valid_one_runs()
    {
        Directory.CreateDirectory(ManifestDir);
        await File.WriteAllTextAsync(Path.Combine(ManifestDir, "broken.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {}\nspec:\n  containers: [{name: c, image: x}]\n");
        await File.WriteAllTextAsync(Path.Combine(ManifestDir, "ok.json"),
            $$$"""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"static-ok","namespace":"kube-system"},"spec":{"terminationGracePeriodSeconds":1,"containers":[{"name":"c","image":"{{{NodeServer.TestImage}}}","imagePullPolicy":"IfNotPresent","command":["sleep","3600"]}]}}""");
        var name = "static-ok-" + NodeServer.NodeName;
        try
        {
            await _node.EventuallyAsync(async () => (await K.RunAsync("get", "pod", name, "-n", "kube-system", "-o", "jsonpath={.status.phase}")).Stdout == "Running", name + " Running", 120);
            Assert.Contains("broken.yaml: metadata.name: Required value", _node.Log);
        }
        finally
        {
            File.Delete(Path.Combine(ManifestDir, "broken.yaml"));
            File.Delete(Path.Combine(ManifestDir, "ok.json"));
        }
    }
}
