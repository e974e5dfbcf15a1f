using Skiff.Kubelet.Env;

namespace Skiff.Kubelet.Tests.Env;

public class EnvExpansionTests
{
    private static readonly Dictionary<string, string> Vars = new()
    {
        ["VAR_A"] = "A",
        ["VAR_B"] = "B",
        ["VAR_EMPTY"] = "",
    };

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("$(VAR_A)", "A")]
    [InlineData("___$(VAR_A)___", "___A___")]
    [InlineData("$(VAR_A)-$(VAR_B)", "A-B")]
    [InlineData("$(VAR_EMPTY)x", "x")]
    [InlineData("$(UNKNOWN)", "$(UNKNOWN)")]
    [InlineData("$$(VAR_A)", "$(VAR_A)")]
    [InlineData("$$$(VAR_A)", "$A")]
    [InlineData("$$$$(VAR_A)", "$$(VAR_A)")]
    [InlineData("$(VAR_A", "$(VAR_A")]
    [InlineData("$(VAR_A$(VAR_B)", "$(VAR_A$(VAR_B)")]
    [InlineData("$VAR_A", "$VAR_A")]
    [InlineData("foo$", "foo$")]
    [InlineData("$", "$")]
    [InlineData("$()", "$()")]
    [InlineData("$(VAR_A)$(VAR_A)", "AA")]
    [InlineData("$$", "$")]
    public void Expand_follows_kubelet_rules(string input, string expected) =>
        Assert.Equal(expected, EnvExpansion.Expand(input, EnvExpansion.Lookup(Vars)));

    [Fact]
    public void ExpandCommandAndArgs_expands_each_entry_and_keeps_null_lists()
    {
        var (command, args) = EnvExpansion.ExpandCommandAndArgs(["sh", "-c", "echo $(VAR_A)"], null, Vars);
        Assert.Equal(["sh", "-c", "echo A"], command);
        Assert.Null(args);
        (command, args) = EnvExpansion.ExpandCommandAndArgs(null, ["$(VAR_B)", "$$(VAR_B)", "$(NOPE)"], Vars);
        Assert.Null(command);
        Assert.Equal(["B", "$(VAR_B)", "$(NOPE)"], args);
    }

    [Fact]
    public void ExpandSubPathExpr_resolves_and_rejects_missing_or_empty_values()
    {
        Assert.Equal("logs/A", EnvExpansion.ExpandSubPathExpr("logs/$(VAR_A)", Vars));
        var ex = Assert.Throws<CreateContainerConfigException>(() => EnvExpansion.ExpandSubPathExpr("$(Z)/$(VAR_EMPTY)/$(VAR_A)", Vars));
        Assert.Equal("missing value for VAR_EMPTY, Z", ex.Message);
    }
}
