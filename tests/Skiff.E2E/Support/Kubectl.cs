using System.Diagnostics;

namespace Skiff.E2E.Support;

/// <summary>Runs one of the real kubectl binaries against a server, with its own HOME and cache so runs never share discovery caches.</summary>
public sealed class Kubectl
{
    private const string BinDir = "/usr/lib/google-cloud-sdk/bin";
    private readonly string _home;

    public Kubectl(string kubeconfig, string version = "1.33")
    {
        Kubeconfig = kubeconfig;
        Version = version;
        _home = Path.Combine(Path.GetTempPath(), "skiff-kubectl-home-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(_home);
    }

    public string Kubeconfig { get; }

    public string Version { get; }

    public string Binary => Path.Combine(BinDir, "kubectl." + Version);

    /// <summary>A network namespace (under /run/netns) to run kubectl in, for servers inside one (node agent tests).</summary>
    public string? NetworkNamespace { get; init; }

    private ProcessStartInfo NewStartInfo()
    {
        var psi = new ProcessStartInfo(NetworkNamespace is null ? Binary : "nsenter");
        if (NetworkNamespace is not null)
        {
            psi.ArgumentList.Add("--net=/run/netns/" + NetworkNamespace);
            psi.ArgumentList.Add(Binary);
        }

        return psi;
    }

    /// <summary>Every kubectl version installed here, oldest first.</summary>
    public static IEnumerable<string> InstalledVersions() =>
        Directory.Exists(BinDir)
            ? Directory.GetFiles(BinDir, "kubectl.1.*").Select(f => Path.GetFileName(f)["kubectl.".Length..]).OrderBy(v => int.Parse(v.Split('.')[1]))
            : [];

    public Task<KubectlResult> RunAsync(params string[] args) => RunWithInputAsync(null, args);

    public Task<KubectlResult> RunWithInputAsync(string? stdin, params string[] args) => RunCoreAsync(stdin, null, args);

    /// <summary>Runs with extra environment variables (e.g. <c>KUBE_EDITOR</c> for <c>kubectl edit</c>).</summary>
    public Task<KubectlResult> RunWithEnvironmentAsync(IReadOnlyDictionary<string, string> environment, params string[] args) => RunCoreAsync(null, environment, args);

    private async Task<KubectlResult> RunCoreAsync(string? stdin, IReadOnlyDictionary<string, string>? environment, string[] args)
    {
        var psi = NewStartInfo();
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = stdin is not null;
        psi.UseShellExecute = false;
        psi.Environment["HOME"] = _home;
        psi.Environment["KUBECONFIG"] = Kubeconfig;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        psi.ArgumentList.Add("--cache-dir");
        psi.ArgumentList.Add(Path.Combine(_home, "cache"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        if (stdin is not null)
        {
            await p.StandardInput.WriteAsync(stdin);
            p.StandardInput.Close();
        }

        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(cts.Token);
        return new KubectlResult(p.ExitCode, await stdout, await stderr, string.Join(" ", args));
    }

    /// <summary>Starts a long-running kubectl (watch, port-forward) and returns at once.</summary>
    public Task<KubectlProcess> StartAsync(params string[] args)
    {
        var psi = NewStartInfo();
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.UseShellExecute = false;
        psi.Environment["HOME"] = _home;
        psi.Environment["KUBECONFIG"] = Kubeconfig;
        psi.ArgumentList.Add("--cache-dir");
        psi.ArgumentList.Add(Path.Combine(_home, "cache"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return Task.FromResult(new KubectlProcess(Process.Start(psi)!));
    }

    /// <summary>Runs and asserts success, returning stdout.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var r = await RunAsync(args);
        Assert.True(r.ExitCode == 0, $"kubectl {Version} {r.Command} failed ({r.ExitCode}):\n{r.Stderr}\n{r.Stdout}");
        return r.Stdout;
    }

    public async Task<string> OkWithInputAsync(string stdin, params string[] args)
    {
        var r = await RunWithInputAsync(stdin, args);
        Assert.True(r.ExitCode == 0, $"kubectl {Version} {r.Command} failed ({r.ExitCode}):\n{r.Stderr}\n{r.Stdout}");
        return r.Stdout;
    }
}

/// <summary>What a kubectl run printed and returned.</summary>
public sealed record KubectlResult(int ExitCode, string Stdout, string Stderr, string Command);
