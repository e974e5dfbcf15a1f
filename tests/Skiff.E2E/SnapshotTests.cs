using System.Diagnostics;
using Skiff.E2E.Support;
using Skiff.Tests.Support;

namespace Skiff.E2E;

/// <summary>
/// <c>skiff datastore snapshot save</c> while the server runs, then changes, then <c>restore</c> with the server
/// stopped: after a restart kubectl sees exactly the objects that existed at save time, on SQLite and on etcd.
/// </summary>
public sealed class SnapshotTests
{
    [Fact]
    public async Task Sqlite_SaveWhileRunning_RestoreBringsBackExactlyTheSavedObjects()
    {
        await using var server = await SkiffServer.StartAsync();
        await SaveChangeRestoreAsync(server, ["--data-dir", server.DataDir], []);
    }

    [Fact]
    public async Task Etcd_SaveWhileRunning_RestoreBringsBackExactlyTheSavedObjects()
    {
        await using var etcd = await EtcdProcess.StartAsync();
        string[] endpoint = ["--datastore-endpoint", etcd.ClientUrl.ToString()];
        await using var server = await SkiffServer.StartAsync(null, endpoint);
        await SaveChangeRestoreAsync(server, endpoint, endpoint);
    }

    [Fact]
    public async Task Restore_CorruptOrForeignFile_FailsWithAClearErrorAndChangesNothing()
    {
        await using var server = await SkiffServer.StartAsync();
        var kubectl = new Kubectl(server.Kubeconfig);
        await kubectl.OkAsync("create", "configmap", "keep", "--from-literal=k=v");
        var file = Path.Combine(server.DataDir, "backup.snap");
        Assert.Equal(0, (await SkiffAsync("datastore", "snapshot", "save", file, "--data-dir", server.DataDir)).ExitCode);
        await server.StopAsync();

        var bytes = await File.ReadAllBytesAsync(file);
        bytes[bytes.Length / 2] ^= 0x01;
        await File.WriteAllBytesAsync(file, bytes);
        var corrupt = await SkiffAsync("datastore", "snapshot", "restore", file, "--data-dir", server.DataDir);
        Assert.Equal(1, corrupt.ExitCode);
        Assert.Contains("checksum does not match", corrupt.Stderr, StringComparison.Ordinal);

        var foreign = Path.Combine(server.DataDir, "server", "db", "state.db");
        var notSnapshot = await SkiffAsync("datastore", "snapshot", "restore", foreign, "--data-dir", server.DataDir);
        Assert.Equal(1, notSnapshot.ExitCode);
        Assert.Contains("is not a Skiff snapshot", notSnapshot.Stderr, StringComparison.Ordinal);

        await server.RestartAsync();
        Assert.Equal("v", await kubectl.OkAsync("get", "configmap", "keep", "-o", "jsonpath={.data.k}"));
    }

    [Fact]
    public async Task Restore_WhileSqliteServerRuns_IsRefused()
    {
        await using var server = await SkiffServer.StartAsync();
        var file = Path.Combine(server.DataDir, "backup.snap");
        Assert.Equal(0, (await SkiffAsync("datastore", "snapshot", "save", file, "--data-dir", server.DataDir)).ExitCode);

        var result = await SkiffAsync("datastore", "snapshot", "restore", file, "--data-dir", server.DataDir);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("stop the server before restoring", result.Stderr, StringComparison.Ordinal);
    }

    private static async Task SaveChangeRestoreAsync(SkiffServer server, string[] saveArgs, string[] serverArgs)
    {
        var kubectl = new Kubectl(server.Kubeconfig);
        await kubectl.OkAsync("create", "namespace", "snap");
        await kubectl.OkAsync("create", "configmap", "a", "-n", "snap", "--from-literal=v=a1");
        await kubectl.OkAsync("create", "configmap", "b", "-n", "snap", "--from-literal=v=b1");
        var file = Path.Combine(Path.GetTempPath(), $"skiff-snap-{Guid.NewGuid():N}.snap");
        try
        {
            var save = await SkiffAsync(["datastore", "snapshot", "save", file, .. saveArgs]);
            Assert.True(save.ExitCode == 0, save.Stderr + save.Stdout);
            Assert.Contains("Snapshot saved to", save.Stdout, StringComparison.Ordinal);

            await kubectl.OkAsync("delete", "configmap", "a", "-n", "snap");
            await kubectl.OkAsync("create", "configmap", "c", "-n", "snap", "--from-literal=v=c1");
            await kubectl.OkAsync("patch", "configmap", "b", "-n", "snap", "-p", """{"data":{"v":"b2"}}""");
            await kubectl.OkAsync("create", "namespace", "later");
            Assert.Equal(0, await server.StopAsync());

            var restore = await SkiffAsync(["datastore", "snapshot", "restore", file, .. saveArgs]);
            Assert.True(restore.ExitCode == 0, restore.Stderr + restore.Stdout);

            await server.RestartAsync(serverArgs);
            var names = await kubectl.OkAsync("get", "configmaps", "-n", "snap", "-o", "jsonpath={range .items[*]}{.metadata.name}={.data.v} {end}");
            var userMaps = names.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(n => !n.StartsWith("kube-root-ca.crt", StringComparison.Ordinal));
            Assert.Equal(["a=a1", "b=b1"], userMaps);
            var later = await kubectl.RunAsync("get", "namespace", "later");
            Assert.NotEqual(0, later.ExitCode);
            Assert.Contains("NotFound", later.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> SkiffAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(SkiffServer.SkiffDll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }
}
