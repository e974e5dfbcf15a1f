using k8s.Models;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Tests.Registry.Shared;

public class ColumnsTests
{
    [Fact]
    public void AccessModes_AnyOrder_KubernetesOrderAbbreviated() =>
        Assert.Equal("RWO,ROX,RWOP", Columns.AccessModes(["ReadWriteOncePod", "ReadOnlyMany", "ReadWriteOnce"]));

    [Fact]
    public void FormatLabels_SortedOrNone()
    {
        Assert.Equal("a=1,b=2", Columns.FormatLabels(new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" }));
        Assert.Equal("<none>", Columns.FormatLabels(null));
    }

    [Fact]
    public void StorageClass_BetaAnnotationWinsOverField() =>
        Assert.Equal("old", Columns.StorageClass(
            new V1ObjectMeta { Annotations = new Dictionary<string, string> { ["volume.beta.kubernetes.io/storage-class"] = "old" } },
            "new"));

    [Fact]
    public void ContainerCells_NoContainers_Empty() => Assert.Equal(("", ""), Columns.ContainerCells(null));
}
