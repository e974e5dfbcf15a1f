using Skiff.Controllers.Common;

namespace Skiff.Controllers.Tests.Common;

public sealed class ObjectsTests
{
    [Fact]
    public void JsonEqual_NullLabels_DoNotThrow()
    {
        Assert.True(Objects.JsonEqual<IDictionary<string, string>?>(null, null));
        Assert.False(Objects.JsonEqual<IDictionary<string, string>?>(null, new Dictionary<string, string> { ["x"] = "y" }));
    }

    [Fact]
    public void JsonEqual_MapOrder_DoesNotMatter() =>
        Assert.True(Objects.JsonEqual<IDictionary<string, string>>(
            new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" },
            new Dictionary<string, string> { ["b"] = "2", ["a"] = "1" }));
}
