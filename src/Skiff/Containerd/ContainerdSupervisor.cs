using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Skiff.Kubelet.Cri;
using Skiff.Kubelet.Host;
using Skiff.Kubelet.Images;

namespace Skiff.Containerd;

/// <summary>
/// Runs containerd as a child of <c>skiff</c> (as k3s does): writes its config under <c>DATA/agent/containerd</c>,
/// starts it, waits until its CRI answers, imports the local pause image, and restarts it with back-off (1 s doubling
/// to 30 s) if it exits. On stop it sends SIGTERM to that PID alone and SIGKILL after a grace period; containers keep
/// running in their shims, so a restarted agent adopts them.
/// </summary>
internal sealed partial class ContainerdSupervisor(AgentPaths paths, TimeProvider timeProvider, ILogger logger)
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when containerd first answers CRI calls with the pause image present.</summary>
    public Task Ready => _ready.Task;

    public string Socket => paths.ContainerdSocket;

    /// <summary>Writes the config; call before <see cref="RunAsync"/> and after the CNI conflist is in place.</summary>
    public void WriteConfig()
    {
        foreach (var dir in new[] { paths.ContainerdDirectory, paths.ContainerdRoot, paths.ContainerdState, paths.RegistryHosts, paths.CniConfDirectory })
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(paths.ContainerdConfig, ContainerdConfig.Render(paths));
    }

    /// <summary>Supervises containerd until cancelled, then stops it.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested)
        {
            var started = timeProvider.GetUtcNow();
            Process process;
            try
            {
                process = Start();
            }
            catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or IOException)
            {
                Log.StartFailed(logger, ex.Message);
                if (!await PauseAsync(delay, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }

                delay = Next(delay);
                continue;
            }

            using (process)
            {
                Log.Started(logger, process.Id, paths.ContainerdSocket, paths.ContainerdLog);
                try
                {
                    var exited = process.WaitForExitAsync(cancellationToken);
                    await WaitReadyAsync(process, cancellationToken).ConfigureAwait(false);
                    await exited.ConfigureAwait(false);
                    Log.Exited(logger, process.Id, process.ExitCode, delay.TotalSeconds);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    await StopAsync(process).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.Unready(logger, ex.Message);
                    await StopAsync(process).ConfigureAwait(false);
                }
            }

            if (timeProvider.GetUtcNow() - started > TimeSpan.FromMinutes(2))
            {
                delay = TimeSpan.FromSeconds(1);
            }

            if (!await PauseAsync(delay, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            delay = Next(delay);
        }
    }

    private Process Start()
    {
        // A socket left by a killed containerd would make the new one fail to listen.
        File.Delete(paths.ContainerdSocket);
        var log = new FileStream(paths.ContainerdLog, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        var info = new ProcessStartInfo("containerd")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--config");
        info.ArgumentList.Add(paths.ContainerdConfig);
        info.Environment["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        var process = Process.Start(info) ?? throw new IOException("containerd did not start");
        _ = CopyAsync(process.StandardError.BaseStream, process.StandardOutput.BaseStream, log);
        return process;
    }

    private static async Task CopyAsync(Stream stderr, Stream stdout, FileStream log)
    {
        await using (log.ConfigureAwait(false))
        {
            var gate = new SemaphoreSlim(1, 1);
            async Task Pump(Stream source)
            {
                var buffer = new byte[8192];
                int n;
                while ((n = await source.ReadAsync(buffer).ConfigureAwait(false)) > 0)
                {
                    await gate.WaitAsync().ConfigureAwait(false);
                    try
                    {
                        await log.WriteAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
                        await log.FlushAsync().ConfigureAwait(false);
                    }
                    finally
                    {
                        gate.Release();
                    }
                }
            }

            try
            {
                await Task.WhenAll(Pump(stderr), Pump(stdout)).ConfigureAwait(false);
            }
            catch (IOException)
            {
            }
        }
    }

    private async Task WaitReadyAsync(Process process, CancellationToken cancellationToken)
    {
        var deadline = timeProvider.GetUtcNow() + TimeSpan.FromMinutes(1);
        using var runtime = new CriRuntime(paths.ContainerdSocket);
        while (true)
        {
            if (process.HasExited)
            {
                throw new IOException($"containerd exited with code {process.ExitCode} before it was ready (see {paths.ContainerdLog})");
            }

            if (File.Exists(paths.ContainerdSocket))
            {
                try
                {
                    await runtime.VersionAsync(cancellationToken).ConfigureAwait(false);
                    break;
                }
                catch (Kubelet.Runtime.RuntimeException)
                {
                }
                catch (HttpRequestException)
                {
                }
            }

            if (timeProvider.GetUtcNow() > deadline)
            {
                throw new IOException($"containerd did not answer on {paths.ContainerdSocket} within a minute (see {paths.ContainerdLog})");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), timeProvider, cancellationToken).ConfigureAwait(false);
        }

        if (await runtime.ImageStatusAsync(ContainerdConfig.PauseImage, cancellationToken).ConfigureAwait(false) is null)
        {
            await ImportPauseImageAsync(cancellationToken).ConfigureAwait(false);
        }

        Log.Ready(logger, paths.ContainerdSocket);
        _ready.TrySetResult();
    }

    /// <summary>Builds the pause image from the machine's catatonit (<c>catatonit -P</c> only sleeps) and imports it.</summary>
    private async Task ImportPauseImageAsync(CancellationToken cancellationToken)
    {
        var catatonit = "/usr/bin/catatonit";
        if (!File.Exists(catatonit))
        {
            throw new IOException("catatonit is not installed (/usr/bin/catatonit); the pause image is built from it (scripts/setup-debian.sh installs it)");
        }

        var tar = Path.Combine(paths.ContainerdDirectory, "pause.tar");
        await using (var file = File.Create(tar))
        {
            OciArchive.Write(file, ContainerdConfig.PauseImage,
                [new OciArchive.LayerEntry("/pause", await File.ReadAllBytesAsync(catatonit, cancellationToken).ConfigureAwait(false), (UnixFileMode)0b111_101_101)],
                ["/pause", "-P"]);
        }

        await ImageImporter.ImportAsync(paths.ContainerdSocket, tar, cancellationToken).ConfigureAwait(false);
        File.Delete(tar);
    }

    private async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        _ = Kill(process.Id, 15);
        using var grace = new CancellationTokenSource(StopGrace, timeProvider);
        try
        {
            await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
        }

        Log.Stopped(logger, process.Id);
    }

    private async Task<bool> PauseAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, timeProvider, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static TimeSpan Next(TimeSpan delay) => TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));

#pragma warning disable SYSLIB1054 // LibraryImport needs unsafe code; kill(2) has only blittable arguments.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
#pragma warning restore SYSLIB1054

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "ContainerdStarted", Level = LogLevel.Information, Message = "containerd started (pid {Pid}) on {Socket}, log {LogPath}")]
        public static partial void Started(ILogger logger, int pid, string socket, string logPath);

        [LoggerMessage(EventId = 2, EventName = "ContainerdReady", Level = LogLevel.Information, Message = "containerd is ready on {Socket}")]
        public static partial void Ready(ILogger logger, string socket);

        [LoggerMessage(EventId = 3, EventName = "ContainerdExited", Level = LogLevel.Warning, Message = "containerd (pid {Pid}) exited with code {Code}; restarting in {Delay} s")]
        public static partial void Exited(ILogger logger, int pid, int code, double delay);

        [LoggerMessage(EventId = 4, EventName = "ContainerdStartFailed", Level = LogLevel.Error, Message = "cannot start containerd: {Error}")]
        public static partial void StartFailed(ILogger logger, string error);

        [LoggerMessage(EventId = 5, EventName = "ContainerdUnready", Level = LogLevel.Error, Message = "containerd is not usable: {Error}")]
        public static partial void Unready(ILogger logger, string error);

        [LoggerMessage(EventId = 6, EventName = "ContainerdStopped", Level = LogLevel.Information, Message = "containerd (pid {Pid}) stopped")]
        public static partial void Stopped(ILogger logger, int pid);
    }
}
