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

    [Fact]
    public async Task ProviderConfig_PlaintextUpgrade_ThenKeyRotation_KeepEverySecretReadable()
    {
        var dir = Path.Combine(Path.GetTempPath(), "skiff-e2e-enc-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        var key1 = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var key2 = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        string Config(string name, params string[] providers)
        {
            var path = Path.Combine(dir, name + ".yaml");
            File.WriteAllText(path, "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n"
                + string.Concat(providers.Select(p => "  - " + p + "\n")));
            return path;
        }

        var identity = Config("identity", "identity: {}");
        var one = Config("one", $"aesgcm: {{keys: [{{name: key1, secret: {key1}}}]}}", "identity: {}");
        var rotated = Config("rotated", $"aesgcm: {{keys: [{{name: key2, secret: {key2}}}, {{name: key1, secret: {key1}}}]}}");
        var db = Path.Combine(dir, "server", "db");

        await using var server = await SkiffServer.StartAsync(dir, "--encryption-provider-config", identity);
        var kubectl = new Kubectl(server.Kubeconfig);

        // identity first: stored as written (the control that the configuration is what decides).
        await kubectl.OkAsync("create", "secret", "generic", "old", "--from-literal=v=" + Marker("old"));
        Assert.True(Contains(db, Convert.ToBase64String(Encoding.UTF8.GetBytes(Marker("old")))));

        // Encryption turned on: the plaintext Secret is still readable, new ones are encrypted with key1.
        await server.StopAsync();
        await server.RestartAsync("--encryption-provider-config", one);
        Assert.Equal(Marker("old"), Decode(await kubectl.OkAsync("get", "secret", "old", "-o", "jsonpath={.data.v}")));
        await kubectl.OkAsync("create", "secret", "generic", "new", "--from-literal=v=" + Marker("new"));
        Assert.False(Contains(db, Convert.ToBase64String(Encoding.UTF8.GetBytes(Marker("new")))));
        Assert.True(Contains(db, "k8s:enc:aesgcm:v1:key1:"));

        // Rotation: key2 first, key1 kept for reading; the next write uses key2.
        await server.StopAsync();
        await server.RestartAsync("--encryption-provider-config", rotated);
        Assert.Equal(Marker("new"), Decode(await kubectl.OkAsync("get", "secret", "new", "-o", "jsonpath={.data.v}")));
        await kubectl.OkAsync("label", "secret", "new", "rotated=yes");
        Assert.True(Contains(db, "k8s:enc:aesgcm:v1:key2:"));
        Assert.Equal(Marker("new"), Decode(await kubectl.OkAsync("get", "secret", "new", "-o", "jsonpath={.data.v}")));
    }

    [Fact]
    public async Task ProviderConfig_Invalid_StopsStartupNamingTheField()
    {
        var dir = Path.Combine(Path.GetTempPath(), "skiff-e2e-enc-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "bad.yaml");
        File.WriteAllText(path, "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n  - secretbox: {keys: []}\n");
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { SkiffServer.SkiffDll, "server", "--data-dir", dir, "--https-listen-port", "0", "--disable-agent", "--encryption-provider-config", path })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        Assert.Equal(1, p.ExitCode);
        Assert.Contains("resources[0].providers[0]: Unsupported value: \"secretbox\"", stderr + await stdout);
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
