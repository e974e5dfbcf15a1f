using System.Text;
using Skiff.E2E.Support;
using Skiff.Tests.Support;

namespace Skiff.E2E;

/// <summary>
/// Secrets are encrypted at rest: after <c>kubectl create secret</c> neither the SQLite database (with its WAL) nor
/// etcd's data directory holds the value, in plaintext or base64, while <c>kubectl get secret</c> returns it. A
/// ConfigMap with the same kind of value is the control: it is not encrypted, so the search does find its plaintext.
/// </summary>
public sealed class EncryptionAtRestTests
{
    [Fact]
    public async Task Sqlite_SecretValueIsNotInTheDatabaseFiles_ButKubectlReadsIt()
    {
        await using var server = await SkiffServer.StartAsync();
        await CreateAndCheckAsync(server, Path.Combine(server.DataDir, "server", "db"));

        // After a restart the server reads its Secrets back with the same key file.
        await server.StopAsync();
        await server.RestartAsync();
        var kubectl = new Kubectl(server.Kubeconfig);
        Assert.Equal(Marker("secret"), Decode(await kubectl.OkAsync("get", "secret", "enc-test", "-o", "jsonpath={.data.password}")));
    }

    [Fact]
    public async Task Etcd_SecretValueIsNotInEtcdsDataDirectory_ButKubectlReadsIt()
    {
        var etcdDir = Path.Combine(Path.GetTempPath(), "skiff-e2e-etcd-" + Guid.NewGuid().ToString("N")[..10]);
        await using var etcd = await EtcdProcess.StartAsync(etcdDir);
        await using var server = await SkiffServer.StartAsync(null, "--datastore-endpoint", etcd.ClientUrl.ToString());
        await CreateAndCheckAsync(server, etcdDir);
    }

    private static string Marker(string kind) => $"plain-{kind}-value-5f3a9c1e7b";

    private static string Decode(string base64) => Encoding.UTF8.GetString(Convert.FromBase64String(base64));

    private static async Task CreateAndCheckAsync(SkiffServer server, string dataFiles)
    {
        var kubectl = new Kubectl(server.Kubeconfig);
        await kubectl.OkAsync("create", "secret", "generic", "enc-test", "--from-literal=password=" + Marker("secret"));
        await kubectl.OkAsync("create", "configmap", "enc-control", "--from-literal=password=" + Marker("configmap"));

        Assert.Equal(Marker("secret"), Decode(await kubectl.OkAsync("get", "secret", "enc-test", "-o", "jsonpath={.data.password}")));

        Assert.True(Contains(dataFiles, Marker("configmap")), "control: the unencrypted ConfigMap's value should be found in " + dataFiles);
        Assert.False(Contains(dataFiles, Marker("secret")), "the Secret's value is stored in plaintext under " + dataFiles);
        Assert.False(Contains(dataFiles, Convert.ToBase64String(Encoding.UTF8.GetBytes(Marker("secret")))), "the Secret's value is stored base64-encoded under " + dataFiles);
        Assert.DoesNotContain(Marker("secret"), server.Log, StringComparison.Ordinal);
    }

    private static bool Contains(string directory, string text)
    {
        // grep reads the files as they are on disk while the server holds its locks (.NET's FileStream would take an
        // advisory lock and be refused); -a treats the binary database pages as text.
        var psi = new System.Diagnostics.ProcessStartInfo("grep") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-r", "-a", "-F", "-q", "--", text, directory })
        {
            psi.ArgumentList.Add(a);
        }

        using var grep = System.Diagnostics.Process.Start(psi)!;
        grep.WaitForExit();
        Assert.True(grep.ExitCode is 0 or 1, "grep failed: " + grep.StandardError.ReadToEnd());
        return grep.ExitCode == 0;
    }
}
