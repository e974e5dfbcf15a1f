using Skiff.Api.Selectors;

namespace Skiff.Api.Tests.Selectors;

public sealed class FieldSelectorTests
{
    private static string? Lookup(string f) => f switch
    {
        "metadata.name" => "p1",
        "spec.nodeName" => "",
        "status.phase" => "Running",
        _ => null,
    };

    [Theory]
    [InlineData("metadata.name=p1", true)]
    [InlineData("metadata.name==p1", true)]
    [InlineData("metadata.name!=p1", false)]
    [InlineData("spec.nodeName=", true)]
    [InlineData("status.phase!=Failed,status.phase!=Succeeded", true)]
    [InlineData("status.phase=Running,metadata.name=p2", false)]
    public void Matches_Terms(string selector, bool expected) =>
        Assert.Equal(expected, FieldSelector.Parse(selector).Matches(Lookup));

    [Fact]
    public void Parse_EscapedComma_IsPartOfValue()
    {
        var s = FieldSelector.Parse(@"metadata.name=a\,b");
        Assert.Single(s.Terms);
        Assert.Equal("a,b", s.Terms[0].Value);
    }

    [Fact]
    public void Parse_TermWithoutOperator_Throws() =>
        Assert.Throws<SelectorParseException>(() => FieldSelector.Parse("metadata.name"));
}
