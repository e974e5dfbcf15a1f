namespace Skiff.Kubelet.Probes;

/// <summary>
/// Runs <paramref name="command"/> in the running container <paramref name="containerId"/> (CRI ExecSync) and returns
/// its exit code and combined output. The kubelet core implements it; a run that exceeds <paramref name="timeout"/>
/// returns <see cref="ExecResult.TimedOut"/> (or is cancelled through <paramref name="cancellationToken"/>, which the
/// exec prober treats the same way).
/// </summary>
internal delegate Task<ExecResult> ContainerExec(string containerId, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken cancellationToken);

/// <summary>The result of an exec in a container.</summary>
/// <param name="ExitCode">The command's exit code.</param>
/// <param name="Output">stdout and stderr (the prober keeps at most 10 KiB).</param>
/// <param name="TimedOut">The command did not finish within the timeout.</param>
internal sealed record ExecResult(int ExitCode, string Output, bool TimedOut = false);
