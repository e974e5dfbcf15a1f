using Skiff.Tokens;

namespace Skiff.Cli.Tests.Tokens;

public sealed class TokenFileTests
{
    [Fact]
    public void Parse_QuotedGroups_SplitsOnCommas()
    {
        var entries = TokenFile.Parse("t1,alice,1,\"dev,ops\"\n", "f");

        var entry = Assert.Single(entries);
        Assert.Equal(("t1", "alice", "1"), (entry.Token, entry.User, entry.Uid));
        Assert.Equal(["dev", "ops"], entry.Groups);
    }

    [Fact]
    public void Parse_ThreeColumns_HasNoGroups()
    {
        var entry = Assert.Single(TokenFile.Parse("t1,bob,2", "f"));

        Assert.Equal("bob", entry.User);
        Assert.Equal("2", entry.Uid);
        Assert.Empty(entry.Groups);
    }

    [Fact]
    public void Parse_SingleUnquotedGroup_IsOneGroup()
    {
        var entry = Assert.Single(TokenFile.Parse("t1,bob,2,system:masters\n", "f"));

        Assert.Equal(["system:masters"], entry.Groups);
    }

    [Fact]
    public void Parse_CrlfAndBlankLines_AreTolerated()
    {
        var entries = TokenFile.Parse("\r\nt1,a,1,\"g1,g2\"\r\n\r\nt2,b,2\r\n", "f");

        Assert.Equal(["t1", "t2"], entries.Select(e => e.Token));
        Assert.Equal(["g1", "g2"], entries[0].Groups);
        Assert.Equal("2", entries[1].Uid);
    }

    [Fact]
    public void Parse_EscapedQuotesInsideQuotes_AreUnescaped()
    {
        var entry = Assert.Single(TokenFile.Parse("t1,\"say \"\"hi\"\"\",1\n", "f"));

        Assert.Equal("say \"hi\"", entry.User);
    }

    [Fact]
    public void Parse_FewerThanThreeColumns_IsAnError()
    {
        var ex = Assert.Throws<FormatException>(() => TokenFile.Parse("t1,a,1\nt2,b\n", "tokens.csv"));

        Assert.Contains("tokens.csv line 2", ex.Message);
        Assert.Contains("at least 3 columns", ex.Message);
    }

    [Fact]
    public void Parse_UnclosedQuote_IsAnError()
    {
        Assert.Throws<FormatException>(() => TokenFile.Parse("t1,a,1,\"g1,g2\n", "f"));
    }

    [Fact]
    public void Parse_EmptyToken_IsSkipped()
    {
        var entry = Assert.Single(TokenFile.Parse(",a,1\nt2,b,2\n", "f"));

        Assert.Equal("t2", entry.Token);
    }

    [Fact]
    public void Parse_DuplicateToken_LaterLineWins()
    {
        var entry = Assert.Single(TokenFile.Parse("t1,a,1\nt1,b,2\n", "f"));

        Assert.Equal("b", entry.User);
    }

    [Fact]
    public void Format_RoundTripsThroughParse()
    {
        TokenFileEntry[] entries =
        [
            new("abc", "system:admin", "admin", ["system:masters"]),
            new("def", "bob", "2", ["dev", "ops"]),
            new("ghi", "carol \"c\"", "3", []),
        ];

        var text = TokenFile.Format(entries);
        var parsed = TokenFile.Parse(text, "f");

        Assert.Contains("def,bob,2,\"dev,ops\"", text);
        Assert.Equal(entries.Length, parsed.Count);
        for (var i = 0; i < entries.Length; i++)
        {
            Assert.Equal(entries[i].Token, parsed[i].Token);
            Assert.Equal(entries[i].User, parsed[i].User);
            Assert.Equal(entries[i].Uid, parsed[i].Uid);
            Assert.Equal(entries[i].Groups, parsed[i].Groups);
        }
    }
}
