using System.Text;
using System.Text.Json.Nodes;
using Skiff.Api.Patch;

namespace Skiff.Api.Tests.Patch;

/// <summary>The examples of RFC 7386 appendix A.</summary>
public sealed class JsonMergePatchTests
{
    public static TheoryData<string, string, string> Rfc7386Examples() => new()
    {
        { """{"a":"b"}""", """{"a":"c"}""", """{"a":"c"}""" },
        { """{"a":"b"}""", """{"b":"c"}""", """{"a":"b","b":"c"}""" },
        { """{"a":"b"}""", """{"a":null}""", """{}""" },
        { """{"a":"b","b":"c"}""", """{"a":null}""", """{"b":"c"}""" },
        { """{"a":["b"]}""", """{"a":"c"}""", """{"a":"c"}""" },
        { """{"a":"c"}""", """{"a":["b"]}""", """{"a":["b"]}""" },
        { """{"a":{"b":"c"}}""", """{"a":{"b":"d","c":null}}""", """{"a":{"b":"d"}}""" },
        { """{"a":[{"b":"c"}]}""", """{"a":[1]}""", """{"a":[1]}""" },
        { """["a","b"]""", """["c","d"]""", """["c","d"]""" },
        { """{"a":"b"}""", """["c"]""", """["c"]""" },
        { """{"a":"foo"}""", """null""", """null""" },
        { """{"a":"foo"}""", "\"bar\"", "\"bar\"" },
        { """{"e":null}""", """{"a":1}""", """{"e":null,"a":1}""" },
        { """[1,2]""", """{"a":"b","c":null}""", """{"a":"b"}""" },
        { """{}""", """{"a":{"bb":{"ccc":null}}}""", """{"a":{"bb":{}}}""" },
    };

    [Theory]
    [MemberData(nameof(Rfc7386Examples))]
    public void Apply_Rfc7386Example_GivesResult(string target, string patch, string expected)
    {
        var result = JsonMergePatch.Apply(JsonNode.Parse(target), Encoding.UTF8.GetBytes(patch));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), result), $"expected {expected}, got {result?.ToJsonString() ?? "null"}");
    }

    [Fact]
    public void Apply_InvalidJson_Throws() =>
        Assert.Throws<PatchException>(() => JsonMergePatch.Apply(JsonNode.Parse("{}"), "{\"a\":"u8));
}
