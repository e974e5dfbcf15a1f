using Skiff.Cli;
using Skiff.Cli.Tests.Support;

namespace Skiff.Cli.Tests.Cli;

public sealed class KubeconfigCommandTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Run_KubeconfigPresent_PrintsIt()
    {
        File.WriteAllText(_dir.Combine("kubeconfig.yaml"), "apiVersion: v1\nkind: Config\n");
        var output = new StringWriter();
        var error = new StringWriter();

        var code = KubeconfigCommand.Run(_dir.Path, output, error);

        Assert.Equal(0, code);
        Assert.Equal("apiVersion: v1\nkind: Config\n", output.ToString());
        Assert.Empty(error.ToString());
    }

    [Fact]
    public void Run_NoKubeconfig_SaysToStartTheServer()
    {
        var output = new StringWriter();
        var error = new StringWriter();

        var code = KubeconfigCommand.Run(_dir.Combine("missing"), output, error);

        Assert.Equal(1, code);
        Assert.Empty(output.ToString());
        Assert.Contains("skiff server", error.ToString());
        Assert.Single(error.ToString().TrimEnd().Split('\n'));
    }
}
