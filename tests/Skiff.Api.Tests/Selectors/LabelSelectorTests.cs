using Skiff.Api.Selectors;

namespace Skiff.Api.Tests.Selectors;

public sealed class LabelSelectorTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web", ["tier"] = "fe", ["rank"] = "5" };

    [Theory]
    [InlineData("", true)]
    [InlineData("app=web", true)]
    [InlineData("app==web", true)]
    [InlineData("app!=web", false)]
    [InlineData("app=db", false)]
    [InlineData("app in (web, db)", true)]
    [InlineData("app notin (web)", false)]
    [InlineData("missing notin (x)", true)]
    [InlineData("missing!=x", true)]
    [InlineData("app", true)]
    [InlineData("!app", false)]
    [InlineData("!missing", true)]
    [InlineData("app=web,tier=fe", true)]
    [InlineData("app=web,tier=be", false)]
    [InlineData("rank>3", true)]
    [InlineData("rank<3", false)]
    [InlineData("example.com/key", false)]
    public void Matches_Expression_AsKubernetes(string selector, bool expected) =>
        Assert.Equal(expected, LabelSelector.Parse(selector).Matches(Web));

    [Theory]
    [InlineData("app in (")]
    [InlineData("app in web")]
    [InlineData("app=web=")]
    [InlineData("bad key=x")]
    [InlineData("app=-bad-")]
    [InlineData("rank>x")]
    public void Parse_Malformed_Throws(string selector) =>
        Assert.Throws<SelectorParseException>(() => LabelSelector.Parse(selector));

    [Fact]
    public void Parse_EmptyValue_MatchesEmptyLabel()
    {
        Assert.True(LabelSelector.Parse("app=").Matches(new Dictionary<string, string> { ["app"] = "" }));
        Assert.False(LabelSelector.Parse("app=").Matches(null));
    }
}
