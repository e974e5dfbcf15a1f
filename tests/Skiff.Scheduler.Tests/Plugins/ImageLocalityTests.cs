using k8s.Models;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins.ImageLocality;

namespace Skiff.Scheduler.Tests.Plugins;

public sealed class ImageLocalityTests
{
    private const long Mb = 1024 * 1024;

    private static NodeInfo NodeWith(string name, params (string Image, long Size)[] images)
    {
        var node = Make.Node(name);
        node.Status.Images = [.. images.Select(i => new V1ContainerImage { Names = [i.Image], SizeBytes = i.Size })];
        return Make.Info(node);
    }

    private static V1Pod PodWith(params string[] images)
    {
        var pod = Make.Pod("p");
        pod.Spec.Containers = [.. images.Select((image, i) => new V1Container { Name = "c" + i, Image = image })];
        return pod;
    }

    public static TheoryData<string, string[], long[]> Cases => new()
    {
        // 250 MiB on 1 of 3 nodes: 250/3 = 83.3 MiB -> 100 * (83.3 - 23) / (1000 - 23) = 6.
        { "image on one node of three, scaled by spread", ["web:1.0"], [6, 0, 0] },
        // "app" means "app:latest"; on 2 of 3 nodes: 800 * 2/3 = 533 MiB -> 52.
        { "untagged name normalized to :latest", ["app"], [52, 52, 0] },
        // Both: two containers, ceiling 2000 MiB: n1 (83.3 + 533.3 - 23) / (2000 - 23) = 30; n2 (533.3 - 23) / 1977 = 25 (truncated).
        { "two containers sum with a doubled ceiling", ["web:1.0", "app:latest"], [30, 25, 0] },
        { "image no node has", ["other:2"], [-1, -1, -1] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Score(string name, string[] images, long[] expected)
    {
        var nodes = new[]
        {
            NodeWith("n1", ("web:1.0", 250 * Mb), ("app:latest", 800 * Mb)),
            NodeWith("n2", ("app:latest", 800 * Mb)),
            NodeWith("n3"),
        };

        var scores = PluginRunner.Score(new ImageLocalityPlugin(), PodWith(images), nodes);

        Assert.True(expected.SequenceEqual(nodes.Select(n => scores[n.Name])), $"{name}: {string.Join(", ", nodes.Select(n => scores[n.Name]))}");
    }

    [Theory]
    [InlineData(0, 1, 0)]
    [InlineData(23 * Mb, 1, 0)]
    [InlineData(1000 * Mb, 1, 100)]
    [InlineData(5000 * Mb, 1, 100)]
    [InlineData(1000 * Mb, 2, 49)]
    public void Priority_ClampedBetweenThresholds(long sum, int containers, long expected) =>
        Assert.Equal(expected, ImageLocalityPlugin.Priority(sum, containers));

    [Theory]
    [InlineData("nginx", "nginx:latest")]
    [InlineData("nginx:1.25", "nginx:1.25")]
    [InlineData("localhost:5000/busybox", "localhost:5000/busybox:latest")]
    [InlineData("busybox@sha256:abc", "busybox@sha256:abc")]
    public void NormalizeImage(string name, string expected) => Assert.Equal(expected, NodeInfo.NormalizeImage(name));
}
