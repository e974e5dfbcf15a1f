using System.Text;
using System.Text.Json.Nodes;
using Skiff.Api.Patch;

namespace Skiff.Api.Tests.Patch;

/// <summary>The examples of RFC 6902 appendix A.</summary>
public sealed class JsonPatchTests
{
    public static TheoryData<string, string, string, string> Rfc6902Examples() => new()
    {
        { "A.1 add an object member", """{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux"}]""", """{"baz":"qux","foo":"bar"}""" },
        { "A.2 add an array element", """{"foo":["bar","baz"]}""", """[{"op":"add","path":"/foo/1","value":"qux"}]""", """{"foo":["bar","qux","baz"]}""" },
        { "A.3 remove an object member", """{"baz":"qux","foo":"bar"}""", """[{"op":"remove","path":"/baz"}]""", """{"foo":"bar"}""" },
        { "A.4 remove an array element", """{"foo":["bar","qux","baz"]}""", """[{"op":"remove","path":"/foo/1"}]""", """{"foo":["bar","baz"]}""" },
        { "A.5 replace a value", """{"baz":"qux","foo":"bar"}""", """[{"op":"replace","path":"/baz","value":"boo"}]""", """{"baz":"boo","foo":"bar"}""" },
        { "A.6 move a value", """{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}""", """[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]""", """{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}""" },
        { "A.7 move an array element", """{"foo":["all","grass","cows","eat"]}""", """[{"op":"move","from":"/foo/1","path":"/foo/3"}]""", """{"foo":["all","cows","eat","grass"]}""" },
        { "A.8 test a value: success", """{"baz":"qux","foo":["a",2,"c"]}""", """[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]""", """{"baz":"qux","foo":["a",2,"c"]}""" },
        { "A.10 add a nested member object", """{"foo":"bar"}""", """[{"op":"add","path":"/child","value":{"grandchild":{}}}]""", """{"foo":"bar","child":{"grandchild":{}}}""" },
        { "A.11 ignore unrecognized elements", """{"foo":"bar"}""", """[{"op":"add","path":"/baz","value":"qux","xyz":123}]""", """{"foo":"bar","baz":"qux"}""" },
        { "A.14 ~ escape ordering", """{"/":9,"~1":10}""", """[{"op":"test","path":"/~01","value":10}]""", """{"/":9,"~1":10}""" },
        { "A.16 add an array value", """{"foo":["bar"]}""", """[{"op":"add","path":"/foo/-","value":["abc","def"]}]""", """{"foo":["bar",["abc","def"]]}""" },
        { "copy", """{"a":{"b":1}}""", """[{"op":"copy","from":"/a","path":"/c"}]""", """{"a":{"b":1},"c":{"b":1}}""" },
        { "replace an array element", """{"a":[1,2,3]}""", """[{"op":"replace","path":"/a/1","value":9}]""", """{"a":[1,9,3]}""" },
    };

    public static TheoryData<string, string, string> Rfc6902Errors() => new()
    {
        { "A.9 test a value: error", """{"baz":"qux"}""", """[{"op":"test","path":"/baz","value":"bar"}]""" },
        { "A.12 add to a nonexistent target", """{"foo":"bar"}""", """[{"op":"add","path":"/baz/bat","value":"qux"}]""" },
        { "A.15 comparing strings and numbers", """{"/":9,"~1":10}""", """[{"op":"test","path":"/~01","value":"10"}]""" },
        { "remove a missing member", """{"a":1}""", """[{"op":"remove","path":"/b"}]""" },
        { "unknown op", """{"a":1}""", """[{"op":"frob","path":"/a"}]""" },
        { "not a list", """{"a":1}""", """{"op":"add","path":"/a","value":1}""" },
    };

    [Theory]
    [MemberData(nameof(Rfc6902Examples))]
    public void Apply_Rfc6902Example_GivesResult(string name, string doc, string patch, string expected)
    {
        var result = JsonPatch.Apply(JsonNode.Parse(doc), Encoding.UTF8.GetBytes(patch));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), result), $"{name}: expected {expected}, got {result?.ToJsonString()}");
    }

    [Theory]
    [MemberData(nameof(Rfc6902Errors))]
    public void Apply_Rfc6902Error_Throws(string name, string doc, string patch)
    {
        var e = Record.Exception(() => JsonPatch.Apply(JsonNode.Parse(doc), Encoding.UTF8.GetBytes(patch)));
        Assert.True(e is PatchException, $"{name}: {e?.GetType().Name ?? "no exception"}");
    }
}
