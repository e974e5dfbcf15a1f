using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.StaticPods;
using Skiff.Kubelet.Tests.Volumes;

namespace Skiff.Kubelet.Tests.StaticPods;

public sealed class StaticPodManifestsTests
{
    private static readonly DateTime Now = new(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    private const string Web = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
        spec:
          containers:
          - name: c
            image: example/busybox:1
            command: [sleep, "3600"]
        """;

    [Fact]
    public void Parse_Pod_NamedAfterNodeBoundAndHashed()
    {
        var (pods, errors) = StaticPodManifests.Parse(Web, "/etc/m/web.yaml", "Node-A", Now);

        Assert.Empty(errors);
        var pod = Assert.Single(pods);
        Assert.Equal("web-node-a", pod.Metadata.Name);
        Assert.Equal("default", pod.Metadata.NamespaceProperty);
        Assert.Equal("Node-A", pod.Spec.NodeName);
        Assert.Equal(32, pod.Metadata.Uid.Length);
        Assert.Equal(pod.Metadata.Uid, pod.Metadata.Annotations[StaticPodManifests.HashAnnotation]);
        Assert.Equal("file", pod.Metadata.Annotations[StaticPodManifests.SourceAnnotation]);
        Assert.Contains(pod.Spec.Tolerations, t => t.OperatorProperty == "Exists" && t.Effect == "NoExecute" && t.Key is null);
        Assert.Equal("IfNotPresent", pod.Spec.Containers[0].ImagePullPolicy);
        Assert.Equal("Always", pod.Spec.RestartPolicy);
        Assert.Equal("BestEffort", pod.Status.QosClass);
        Assert.True(StaticPodManifests.IsStatic(pod));
    }

    [Fact]
    public void Parse_SameContent_SameUid_EditOrOtherFileOrNode_NewUid()
    {
        var uid = StaticPodManifests.Parse(Web, "/m/web.yaml", "n", Now).Pods[0].Metadata.Uid;

        Assert.Equal(uid, StaticPodManifests.Parse(Web, "/m/web.yaml", "n", Now.AddHours(1)).Pods[0].Metadata.Uid);
        Assert.NotEqual(uid, StaticPodManifests.Parse(Web.Replace("3600", "3601"), "/m/web.yaml", "n", Now).Pods[0].Metadata.Uid);
        Assert.NotEqual(uid, StaticPodManifests.Parse(Web, "/m/other.yaml", "n", Now).Pods[0].Metadata.Uid);
        Assert.NotEqual(uid, StaticPodManifests.Parse(Web, "/m/web.yaml", "m", Now).Pods[0].Metadata.Uid);
    }

    [Fact]
    public void Parse_SeveralYamlDocumentsAndJson_AllPods()
    {
        var yaml = Web + "\n---\n" + Web.Replace("name: web", "name: api").Replace("kind: Pod", "kind: Pod");
        var (pods, errors) = StaticPodManifests.Parse(yaml, "/m/two.yaml", "n", Now);
        Assert.Empty(errors);
        Assert.Equal(["web-n", "api-n"], pods.Select(p => p.Metadata.Name));

        var json = """{"apiVersion":"v1","kind":"Pod","metadata":{"name":"j","namespace":"kube-system"},"spec":{"containers":[{"name":"c","image":"x:latest"}]}}""";
        var single = Assert.Single(StaticPodManifests.Parse(json, "/m/j.json", "n", Now).Pods);
        Assert.Equal("kube-system", single.Metadata.NamespaceProperty);
        Assert.Equal("Always", single.Spec.Containers[0].ImagePullPolicy);
    }

    [Fact]
    public void Parse_NotAPodOrInvalid_ErrorNamesTheFileAndCause()
    {
        var (pods, errors) = StaticPodManifests.Parse("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n", "/m/cm.yaml", "n", Now);
        Assert.Empty(pods);
        Assert.Contains("/m/cm.yaml", Assert.Single(errors));
        Assert.Contains("ConfigMap", errors[0]);

        (pods, errors) = StaticPodManifests.Parse("apiVersion: v1\nkind: Pod\nmetadata: {}\nspec:\n  containers: [{name: c, image: i}]\n", "/m/noname.yaml", "n", Now);
        Assert.Empty(pods);
        Assert.Contains("metadata.name", Assert.Single(errors));

        (pods, errors) = StaticPodManifests.Parse(": : not yaml [", "/m/bad.yaml", "n", Now);
        Assert.Empty(pods);
        Assert.StartsWith("/m/bad.yaml", Assert.Single(errors));
    }

    [Fact]
    public void Mirror_CarriesHashOwnerAndNoUid()
    {
        var pod = StaticPodManifests.Parse(Web, "/m/web.yaml", "n", Now).Pods[0];
        var node = new V1Node { Metadata = new V1ObjectMeta { Name = "n", Uid = "node-uid" } };

        var mirror = StaticPodManifests.Mirror(pod, node);

        Assert.Null(mirror.Metadata.Uid);
        Assert.Null(mirror.Status);
        Assert.Equal(pod.Metadata.Uid, mirror.Metadata.Annotations[StaticPodManifests.MirrorAnnotation]);
        var owner = Assert.Single(mirror.Metadata.OwnerReferences);
        Assert.Equal(("v1", "Node", "n", "node-uid", true), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid, owner.Controller == true));
        Assert.True(StaticPodManifests.IsMirror(mirror));
        Assert.False(StaticPodManifests.IsMirror(pod));
    }

    [Fact]
    public void Qos_FollowsRequestsAndLimits()
    {
        static V1PodSpec Spec(Dictionary<string, ResourceQuantity>? requests, Dictionary<string, ResourceQuantity>? limits) =>
            new() { Containers = [new V1Container { Name = "c", Image = "i", Resources = new V1ResourceRequirements { Requests = requests, Limits = limits } }] };

        Assert.Equal("BestEffort", StaticPodManifests.Qos(Spec(null, null)));
        Assert.Equal("Burstable", StaticPodManifests.Qos(Spec(new() { ["cpu"] = new("100m") }, null)));
        Assert.Equal("Guaranteed", StaticPodManifests.Qos(Spec(null, new() { ["cpu"] = new("1"), ["memory"] = new("64Mi") })));
    }

    [Fact]
    public void Scan_ReportsAddEditAndRemoveOfFiles_IgnoresDotFiles()
    {
        using var dir = new TempDir();
        var source = new StaticPodSource(dir.Path, "n", TimeSpan.FromSeconds(20), new FakeTimeProvider(), NullLogger.Instance);
        Assert.False(source.Scan());

        File.WriteAllText(dir.Sub("web.yaml"), Web);
        File.WriteAllText(dir.Sub(".hidden.yaml"), Web.Replace("name: web", "name: hidden"));
        Assert.True(source.Scan());
        var first = Assert.Single(source.Pods).Key;
        Assert.False(source.Scan());

        File.WriteAllText(dir.Sub("web.yaml"), Web.Replace("3600", "7200"));
        Assert.True(source.Scan());
        Assert.NotEqual(first, Assert.Single(source.Pods).Key);

        File.Delete(dir.Sub("web.yaml"));
        Assert.True(source.Scan());
        Assert.Empty(source.Pods);
    }
}
