using System.Text;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Tests.Registry;

public sealed class JsonSlicesTests
{
    [Theory]
    [InlineData("""{"kind":"X","metadata":{"name":"a","labels":{"metadata":"x"}},"spec":{}}""", """{"name":"a","labels":{"metadata":"x"}}""")]
    [InlineData("""{"spec":{"metadata":{"no":1}},"metadata":"s"}""", "\"s\"")]
    [InlineData("""{"spec":{"metadata":{"no":1}}}""", "")]
    [InlineData("""[1]""", "")]
    public void TopLevelValue_FindsOnlyTopLevelProperty(string json, string expected)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var (start, length) = JsonSlices.TopLevelValue(bytes, "metadata"u8);
        Assert.Equal(expected, Encoding.UTF8.GetString(bytes, start, length));
    }
}
