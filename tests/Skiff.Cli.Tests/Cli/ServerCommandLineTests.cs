using System.CommandLine;
using Skiff.Cli;
using Skiff.Server;

namespace Skiff.Cli.Tests.Cli;

public sealed class ServerCommandLineTests
{
    [Fact]
    public void Bind_NoFlags_UsesTheDefaults()
    {
        var (cli, result) = Parse("server");

        var options = cli.Bind(result);

        Assert.Empty(result.Errors);
        Assert.Equal("/default/data", options.DataDir);
        Assert.Equal("0.0.0.0", options.BindAddress);
        Assert.Equal(6443, options.HttpsListenPort);
        Assert.Null(options.WriteKubeconfig);
        Assert.False(options.DisableAgent);
        Assert.Null(options.DatastoreEndpoint);
        Assert.Null(options.Token);
    }

    [Fact]
    public void Bind_EveryFlag_IsCarriedIntoTheOptions()
    {
        var (cli, result) = Parse(
            "server", "--data-dir", "/d", "--bind-address", "0.0.0.0", "--https-listen-port", "16443",
            "--write-kubeconfig", "/tmp/k.yaml", "--disable-agent", "--disable-controller-manager", "--disable-scheduler", "--datastore-endpoint", "sqlite:///x.db", "--token", "abc");

        var options = cli.Bind(result);

        Assert.Empty(result.Errors);
        Assert.Equal("/d", options.DataDir);
        Assert.Equal("0.0.0.0", options.BindAddress);
        Assert.Equal(16443, options.HttpsListenPort);
        Assert.Equal("/tmp/k.yaml", options.WriteKubeconfig);
        Assert.True(options.DisableAgent);
        Assert.True(options.DisableControllerManager);
        Assert.True(options.DisableScheduler);
        Assert.Equal("sqlite:///x.db", options.DatastoreEndpoint);
        Assert.Equal("abc", options.Token);
    }

    [Fact]
    public void Bind_EtcdFlags_AreBoundAsK3sNamesThem()
    {
        var (cli, result) = Parse(
            "server", "--datastore-endpoint", "https://127.0.0.1:2379", "--datastore-cafile", "/e/ca.crt", "--datastore-certfile", "/e/c.crt",
            "--datastore-keyfile", "/e/c.key", "--etcd-prefix", "/cluster-a");

        var options = cli.Bind(result);

        Assert.Empty(result.Errors);
        Assert.Equal("https://127.0.0.1:2379", options.DatastoreEndpoint);
        Assert.Equal("/e/ca.crt", options.DatastoreCaFile);
        Assert.Equal("/e/c.crt", options.DatastoreCertFile);
        Assert.Equal("/e/c.key", options.DatastoreKeyFile);
        Assert.Equal("/cluster-a", options.EtcdPrefix);
    }

    [Fact]
    public void Bind_EqualsSyntax_IsAccepted()
    {
        var (cli, result) = Parse("server", "--https-listen-port=0", "--data-dir=/d");

        Assert.Empty(result.Errors);
        Assert.Equal(0, cli.Bind(result).HttpsListenPort);
    }

    [Theory]
    [InlineData("--https-listen-port", "70000", "not a port number")]
    [InlineData("--https-listen-port", "abc", "abc")]
    [InlineData("--bind-address", "not-an-ip", "not an IP address")]
    [InlineData("--no-such-flag", "x", "--no-such-flag")]
    public void Parse_BadFlag_IsAParseError(string flag, string value, string expected)
    {
        var (_, result) = Parse("server", flag, value);

        Assert.Contains(result.Errors, e => e.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void DefaultPath_RootAndUser_FollowK3sConvention()
    {
        Assert.Equal("/var/lib/skiff", DataDirectory.DefaultPath(isRoot: true, homeDirectory: "/home/u"));
        Assert.Equal("/home/u/.skiff", DataDirectory.DefaultPath(isRoot: false, homeDirectory: "/home/u"));
    }

    [Fact]
    public void DataDirectory_Layout_MatchesTheDocumentedPaths()
    {
        var data = new DataDirectory("/var/lib/skiff");

        Assert.Equal("/var/lib/skiff/kubeconfig.yaml", data.KubeconfigPath);
        Assert.Equal("/var/lib/skiff/server/db/state.db", data.DefaultDatabasePath);
        Assert.Equal("/var/lib/skiff/server/tls", data.TlsDirectory);
    }

    private static (ServerCommandLine Cli, ParseResult Result) Parse(params string[] args)
    {
        var cli = new ServerCommandLine(() => "/default/data");
        var root = new RootCommand { cli.Command };
        return (cli, root.Parse(args));
    }
}
