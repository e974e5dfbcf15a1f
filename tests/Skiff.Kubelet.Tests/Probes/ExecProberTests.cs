using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Probes;

namespace Skiff.Kubelet.Tests.Probes;

public class ExecProberTests
{
    [Theory]
    [InlineData(0, "ok", "Success")]
    [InlineData(1, "bad", "Failure")]
    [InlineData(137, "", "Failure")]
    public async Task Exit_code_decides(int exit, string output, string statusName)
    {
        var status = Enum.Parse<ProbeStatus>(statusName);
        var prober = new ExecProber((_, _, _, _) => Task.FromResult(new ExecResult(exit, output)), TimeProvider.System);
        Assert.Equal(new ProbeOutcome(status, output), await prober.ProbeAsync("c1", ["cat", "/tmp/healthy"], TimeSpan.FromSeconds(1), CancellationToken.None));
    }

    [Fact]
    public async Task Runtime_timeout_fails_with_kubelet_message_and_passes_the_timeout()
    {
        TimeSpan seen = default;
        var prober = new ExecProber((_, _, t, _) =>
        {
            seen = t;
            return Task.FromResult(new ExecResult(-1, "", TimedOut: true));
        }, TimeProvider.System);
        var result = await prober.ProbeAsync("c1", ["sh", "-c", "sleep 10"], TimeSpan.FromSeconds(3), CancellationToken.None);
        Assert.Equal(ProbeOutcome.Failure("command \"sh -c sleep 10\" timed out"), result);
        Assert.Equal(TimeSpan.FromSeconds(3), seen);
    }

    [Fact]
    public async Task A_runtime_that_never_returns_is_cut_off_by_the_prober()
    {
        var time = new FakeTimeProvider();
        var started = new TaskCompletionSource();
        var prober = new ExecProber(async (_, _, _, ct) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return new ExecResult(0, "");
        }, time);
        var probe = prober.ProbeAsync("c1", ["true"], TimeSpan.FromSeconds(1), CancellationToken.None);
        await started.Task;
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(ProbeOutcome.Failure("command \"true\" timed out"), await probe.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Output_is_limited_to_10KiB_and_runtime_errors_are_unknown()
    {
        var prober = new ExecProber((_, _, _, _) => Task.FromResult(new ExecResult(1, new string('y', 20_000))), TimeProvider.System);
        Assert.Equal(ExecProber.MaxOutputLength, (await prober.ProbeAsync("c1", ["x"], TimeSpan.FromSeconds(1), CancellationToken.None)).Output.Length);
        var broken = new ExecProber((_, _, _, _) => throw new InvalidOperationException("container not running"), TimeProvider.System);
        Assert.Equal(ProbeOutcome.Unknown("container not running"), await broken.ProbeAsync("c1", ["x"], TimeSpan.FromSeconds(1), CancellationToken.None));
    }

    [Fact]
    public async Task Runner_expands_only_literal_env_values_in_the_command()
    {
        IReadOnlyList<string>? ran = null;
        string? ranIn = null;
        using var runner = new ProbeRunner((id, cmd, _, _) =>
        {
            ranIn = id;
            ran = cmd;
            return Task.FromResult(new ExecResult(0, ""));
        }, TimeProvider.System);
        var container = new V1Container
        {
            Name = "app",
            Env =
            [
                new V1EnvVar { Name = "FILE", Value = "/tmp/ok" },
                new V1EnvVar { Name = "FROM", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
            ],
        };
        var probe = new V1Probe { Exec = new V1ExecAction { Command = ["cat", "$(FILE)", "$(FROM)", "$(UNSET)"] } };
        await runner.RunAsync(probe, new V1Pod { Metadata = new V1ObjectMeta { Uid = "u" } }, container, "cid-9", null, CancellationToken.None);
        Assert.Equal("cid-9", ranIn);
        Assert.Equal(["cat", "/tmp/ok", "", "$(UNSET)"], ran);
    }
}
