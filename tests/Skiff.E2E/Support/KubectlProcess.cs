using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Skiff.E2E.Support;

/// <summary>A long-running kubectl (e.g. <c>get -w</c>) whose output a test waits on; killed on dispose.</summary>
public sealed class KubectlProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly SemaphoreSlim _changed = new(0);

    internal KubectlProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        _changed.Release();
    }

    /// <summary>Waits until the output matches <paramref name="pattern"/> (multiline regex), failing after 30 s.</summary>
    public async Task WaitForOutputAsync(string pattern)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!Regex.IsMatch(Output, pattern, RegexOptions.Multiline))
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero || _process.HasExited && !Regex.IsMatch(Output, pattern, RegexOptions.Multiline))
            {
                Assert.Fail($"kubectl output never matched /{pattern}/:\n{Output}");
            }

            await _changed.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Waits for kubectl to exit by itself (e.g. <c>logs -f</c> when the container ends); its exit code, or null after <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
