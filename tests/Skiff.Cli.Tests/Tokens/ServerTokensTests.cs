using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Cli.Tests.Support;
using Skiff.Tokens;

namespace Skiff.Cli.Tests.Tokens;

public sealed class ServerTokensTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void EnsureServerToken_FirstStart_CreatesARandomOwnerOnlyToken()
    {
        var tokens = new ServerTokens(_dir.Path, NullLogger.Instance);

        var token = tokens.EnsureServerToken(requested: null);

        Assert.Equal(64, token.Length);
        Assert.Equal(token, File.ReadAllText(tokens.ServerTokenPath).Trim());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokens.ServerTokenPath));
        Assert.Equal(token, new ServerTokens(_dir.Path, NullLogger.Instance).EnsureServerToken(requested: null));
    }

    [Fact]
    public void EnsureServerToken_Requested_IsStoredAndAcceptedAgain()
    {
        var tokens = new ServerTokens(_dir.Path, NullLogger.Instance);

        Assert.Equal("s3cret", tokens.EnsureServerToken("s3cret"));
        Assert.Equal("s3cret", tokens.EnsureServerToken("s3cret"));
    }

    [Fact]
    public void EnsureServerToken_DifferentFromStored_IsAnError()
    {
        var tokens = new ServerTokens(_dir.Path, NullLogger.Instance);
        tokens.EnsureServerToken("first");

        var ex = Assert.Throws<StartupException>(() => tokens.EnsureServerToken("second"));
        Assert.Contains("--token", ex.Message);
    }

    [Fact]
    public void ResolveServerToken_FirstStart_WritesNothingUntilSaved()
    {
        var tokens = new ServerTokens(_dir.Path, NullLogger.Instance);

        var (token, isNew) = tokens.ResolveServerToken("joining");

        Assert.Equal(("joining", true), (token, isNew));
        Assert.False(File.Exists(tokens.ServerTokenPath));
        tokens.SaveServerToken(token);
        Assert.Equal(("joining", false), tokens.ResolveServerToken(null));
    }

    [Fact]
    public void EnsureTokenFile_FirstStart_HasAnAdminTokenInSystemMasters()
    {
        var tokens = new ServerTokens(_dir.Path, NullLogger.Instance);

        var entry = Assert.Single(tokens.EnsureTokenFile());

        Assert.Equal("system:admin", entry.User);
        Assert.Equal(["system:masters"], entry.Groups);
        Assert.Equal(64, entry.Token.Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokens.TokenFilePath));
    }

    [Fact]
    public void EnsureTokenFile_OperatorEdits_AreKept()
    {
        var tokens = new ServerTokens(_dir.Path, NullLogger.Instance);
        tokens.EnsureTokenFile();
        File.AppendAllText(tokens.TokenFilePath, "viewer-token,viewer,42,\"readers,auditors\"\n");

        var entries = tokens.EnsureTokenFile();

        Assert.Equal(2, entries.Count);
        Assert.Equal(["readers", "auditors"], entries[1].Groups);
    }

    [Fact]
    public void EnsureTokenFile_Malformed_IsAStartupError()
    {
        var tokens = new ServerTokens(_dir.Path, NullLogger.Instance);
        File.WriteAllText(tokens.TokenFilePath, "only,two\n");

        var ex = Assert.Throws<StartupException>(tokens.EnsureTokenFile);
        Assert.Contains("at least 3 columns", ex.Message);
    }
}
