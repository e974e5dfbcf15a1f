using System.Text.RegularExpressions;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// Persistent volumes in a real <c>skiff server</c> through the real kubectl: static binding on an Immediate class,
/// the default <c>local-path</c> class, dynamic provisioning into the data directory, reclaim Delete and Retain, and
/// pvc-protection while a pod uses a claim. The scheduler's VolumeBinding plugin is not on main yet, so the test sets
/// <c>volume.kubernetes.io/selected-node</c> itself, as that plugin does for a WaitForFirstConsumer claim.
/// </summary>
public sealed class VolumeTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>The node the server's controllers run on (the host name, as the kubelet names its node).</summary>
    private static readonly string LocalNode = Environment.MachineName.ToLowerInvariant();

    private async Task<Kubectl> NamespaceAsync(string ns)
    {
        var kubectl = fixture.Kubectl();
        await kubectl.OkWithInputAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n", "apply", "-f", "-");
        return kubectl;
    }

    private static async Task<string> EventuallyAsync(Func<Task<string>> read, Func<string, bool> done, string what)
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            var seen = await read();
            if (done(seen))
            {
                return seen;
            }

            if (DateTime.UtcNow > until)
            {
                Assert.Fail($"timed out waiting for {what}; last seen:\n{seen}");
            }

            await Task.Delay(200);
        }
    }

    private static Func<Task<string>> Get(Kubectl kubectl, params string[] args) => async () =>
    {
        var r = await kubectl.RunAsync(args);
        return r.Stdout + r.Stderr;
    };

    [Fact]
    public async Task StorageClasses_LocalPathIsTheDefault()
    {
        var kubectl = fixture.Kubectl();
        var output = await kubectl.OkAsync("get", "storageclass");
        Assert.Matches(new Regex(@"^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE$", RegexOptions.Multiline), output);
        Assert.Matches(new Regex(@"^local-path \(default\)\s+skiff\.io/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+\S+$", RegexOptions.Multiline), output);
    }

    [Fact]
    public async Task ImmediateClass_PreCreatedVolumeBinds_RetainLeavesItReleased()
    {
        const string ns = "vol-static";
        var kubectl = await NamespaceAsync(ns);
        await kubectl.OkWithInputAsync($$"""
            apiVersion: storage.k8s.io/v1
            kind: StorageClass
            metadata: {name: manual}
            provisioner: kubernetes.io/no-provisioner
            volumeBindingMode: Immediate
            ---
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: pv-static-small}
            spec:
              capacity: {storage: 512Mi}
              accessModes: [ReadWriteOnce]
              storageClassName: manual
              hostPath: {path: /tmp/skiff-e2e-pv-static-small}
            ---
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: pv-static}
            spec:
              capacity: {storage: 2Gi}
              accessModes: [ReadWriteOnce, ReadOnlyMany]
              persistentVolumeReclaimPolicy: Retain
              storageClassName: manual
              hostPath: {path: /tmp/skiff-e2e-pv-static}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: claim, namespace: {{ns}} }
            spec:
              accessModes: [ReadWriteOnce]
              storageClassName: manual
              resources: {requests: {storage: 1Gi} }
            """, "apply", "-f", "-");

        var pvc = await EventuallyAsync(Get(kubectl, "get", "pvc", "claim", "-n", ns), s => s.Contains("Bound"), "the claim to bind");
        Assert.Matches(new Regex(@"^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+AGE$", RegexOptions.Multiline), pvc);
        Assert.Matches(new Regex(@"^claim\s+Bound\s+pv-static\s+2Gi\s+RWO,ROX\s+manual\s+<unset>\s+\S+$", RegexOptions.Multiline), pvc);

        var pv = await EventuallyAsync(Get(kubectl, "get", "pv", "pv-static", "pv-static-small"), s => Regex.IsMatch(s, @"pv-static-small\s.*Available"), "the small volume to be Available");
        Assert.Matches(new Regex(@"^NAME\s+CAPACITY\s+ACCESS MODES\s+RECLAIM POLICY\s+STATUS\s+CLAIM\s+STORAGECLASS\s+VOLUMEATTRIBUTESCLASS\s+REASON\s+AGE$", RegexOptions.Multiline), pv);
        Assert.Matches(new Regex($@"^pv-static\s+2Gi\s+RWO,ROX\s+Retain\s+Bound\s+{ns}/claim\s+manual\s+<unset>\s+\S+$", RegexOptions.Multiline), pv);

        await kubectl.OkAsync("delete", "pvc", "claim", "-n", ns);
        var released = await EventuallyAsync(Get(kubectl, "get", "pv", "pv-static"), s => s.Contains("Released"), "the volume to be Released");
        Assert.Matches(new Regex($@"^pv-static\s+2Gi\s+RWO,ROX\s+Retain\s+Released\s+{ns}/claim\s+manual\s+", RegexOptions.Multiline), released);

        // Retain: still there well after the claim went.
        await kubectl.OkAsync("get", "pv", "pv-static");
    }

    [Fact]
    public async Task ClaimWithoutClass_GetsLocalPathAndWaitsForItsFirstConsumer()
    {
        const string ns = "vol-default";
        var kubectl = await NamespaceAsync(ns);
        await kubectl.OkWithInputAsync($$"""
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: waits, namespace: {{ns}} }
            spec:
              accessModes: [ReadWriteOnce]
              resources: {requests: {storage: 1Gi} }
            """, "apply", "-f", "-");

        Assert.Equal("local-path", await kubectl.OkAsync("get", "pvc", "waits", "-n", ns, "-o", "jsonpath={.spec.storageClassName}"));
        await EventuallyAsync(Get(kubectl, "get", "events", "-n", ns, "--field-selector", "involvedObject.name=waits"),
            s => s.Contains("waiting for first consumer to be created before binding"), "the WaitForFirstConsumer event");
        Assert.Matches(new Regex(@"^waits\s+Pending\s+local-path\s+<unset>\s+\S+$", RegexOptions.Multiline), await kubectl.OkAsync("get", "pvc", "waits", "-n", ns));
    }

    [Fact]
    public async Task LocalPath_ProvisionsIntoTheDataDirectory_ProtectedWhileUsed_DeleteRemovesVolumeAndData()
    {
        const string ns = "vol-dynamic";
        var kubectl = await NamespaceAsync(ns);
        await kubectl.OkWithInputAsync($$"""
            apiVersion: v1
            kind: Node
            metadata:
              name: {{LocalNode}}
              labels: {kubernetes.io/hostname: {{LocalNode}}}
            status:
              capacity: {cpu: "4", memory: 8Gi, pods: "110"}
              allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data, namespace: {{ns}} }
            spec:
              accessModes: [ReadWriteOnce]
              storageClassName: local-path
              resources: {requests: {storage: 3Gi} }
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: user, namespace: {{ns}} }
            spec:
              containers:
              - name: c
                image: busybox
                volumeMounts: [{name: data, mountPath: /data}]
              volumes:
              - name: data
                persistentVolumeClaim: {claimName: data}
            """, "apply", "-f", "-");

        // What the scheduler's VolumeBinding plugin does for a WaitForFirstConsumer claim once it picked the node.
        await kubectl.OkAsync("annotate", "pvc", "data", "-n", ns, "--overwrite", $"volume.kubernetes.io/selected-node={LocalNode}");

        var pvc = await EventuallyAsync(Get(kubectl, "get", "pvc", "data", "-n", ns), s => s.Contains("Bound"), "the claim to be provisioned and bound");
        var uid = await kubectl.OkAsync("get", "pvc", "data", "-n", ns, "-o", "jsonpath={.metadata.uid}");
        var volume = "pvc-" + uid;
        Assert.Matches(new Regex($@"^data\s+Bound\s+{volume}\s+3Gi\s+RWO\s+local-path\s+<unset>\s+\S+$", RegexOptions.Multiline), pvc);

        var pv = await kubectl.OkAsync("get", "pv", volume);
        Assert.Matches(new Regex($@"^{volume}\s+3Gi\s+RWO\s+Delete\s+Bound\s+{ns}/data\s+local-path\s+<unset>\s+\S+$", RegexOptions.Multiline), pv);
        var directory = Path.Combine(fixture.Server.DataDir, "storage", $"{volume}_{ns}_data");
        Assert.Equal(directory, await kubectl.OkAsync("get", "pv", volume, "-o", "jsonpath={.spec.hostPath.path}"));
        Assert.Equal(LocalNode, await kubectl.OkAsync("get", "pv", volume, "-o", "jsonpath={.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}"));
        Assert.True(Directory.Exists(directory), $"{directory} should exist");
        await File.WriteAllTextAsync(Path.Combine(directory, "payload"), "written by a pod");
        var events = await kubectl.OkAsync("get", "events", "-n", ns, "--field-selector", "involvedObject.name=data");
        Assert.Contains($"Successfully provisioned volume {volume}", events);

        // While a scheduled pod uses the claim, deleting it leaves it Terminating (kubernetes.io/pvc-protection).
        await EventuallyAsync(Get(kubectl, "get", "pod", "user", "-n", ns, "-o", "jsonpath={.spec.nodeName}"), s => s == LocalNode, "the pod to be scheduled");
        await kubectl.OkAsync("delete", "pvc", "data", "-n", ns, "--wait=false");
        await EventuallyAsync(Get(kubectl, "get", "pvc", "data", "-n", ns), s => Regex.IsMatch(s, @"^data\s+Terminating\s", RegexOptions.Multiline), "the claim to show Terminating");
        Assert.Matches(new Regex($@"^{volume}\s+3Gi\s+RWO\s+Delete\s+Bound\s", RegexOptions.Multiline), await kubectl.OkAsync("get", "pv", volume));
        Assert.True(Directory.Exists(directory));

        // The pod goes (no node agent here: force), so does the claim, then the volume and its directory.
        await kubectl.OkAsync("delete", "pod", "user", "-n", ns, "--grace-period=0", "--force");
        await EventuallyAsync(Get(kubectl, "get", "pvc", "data", "-n", ns), s => s.Contains("NotFound"), "the claim to be deleted");
        await EventuallyAsync(Get(kubectl, "get", "pv", volume), s => s.Contains("NotFound"), "the volume to be deleted (reclaim Delete)");
        Assert.False(Directory.Exists(directory), $"{directory} should be removed with its volume");
    }
}
