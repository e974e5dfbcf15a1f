namespace Skiff.Kubelet.Probes;

/// <summary>
/// The exec prober: exit code 0 is success, anything else failure with the command's output (at most 10 KiB);
/// a command that outlives the timeout fails with <c>command "..." timed out</c> (ExecProbeTimeout, GA since v1.27).
/// </summary>
internal sealed class ExecProber(ContainerExec exec, TimeProvider time)
{
    /// <summary>The most output kept from the command (the kubelet's maxReadLength).</summary>
    public const int MaxOutputLength = 10 * 1024;

    public async Task<ProbeOutcome> ProbeAsync(string containerId, IReadOnlyList<string> command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        // The runtime enforces the timeout; this token is the backstop should the runtime not return in time.
        using var backstop = new CancellationTokenSource(timeout + TimeSpan.FromSeconds(1), time);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, backstop.Token);
        ExecResult result;
        try
        {
            result = await exec(containerId, command, timeout, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ProbeOutcome.Failure(TimedOut(command));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return ProbeOutcome.Unknown(ex.Message);
        }

        if (result.TimedOut)
        {
            return ProbeOutcome.Failure(TimedOut(command));
        }

        var output = result.Output.Length > MaxOutputLength ? result.Output[..MaxOutputLength] : result.Output;
        return result.ExitCode == 0 ? ProbeOutcome.Success(output) : ProbeOutcome.Failure(output);
    }

    private static string TimedOut(IReadOnlyList<string> command) => $"command \"{string.Join(' ', command)}\" timed out";
}
