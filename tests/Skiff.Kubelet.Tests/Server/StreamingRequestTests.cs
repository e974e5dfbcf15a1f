using Skiff.Kubelet.Server;

namespace Skiff.Kubelet.Tests.Server;

public sealed class StreamingRequestTests
{
    private static Func<string, IReadOnlyList<string>> Query(params (string Name, string Value)[] values) =>
        name => values.Where(v => v.Name == name).Select(v => v.Value).ToList();

    [Fact]
    public void Parse_ReadsTheApiServersParameters()
    {
        var request = StreamingRequest.Parse(Query(("command", "sh"), ("command", "-c"), ("command", "ls"), ("input", "1"), ("output", "1"), ("error", "1")), out var error);
        Assert.Null(error);
        Assert.Equal(new[] { "sh", "-c", "ls" }, request!.Command);
        Assert.Equal((true, true, true, false), (request.Stdin, request.Stdout, request.Stderr, request.Tty));
    }

    [Fact]
    public void Parse_Tty_DropsStderr() =>
        Assert.False(StreamingRequest.Parse(Query(("output", "1"), ("error", "1"), ("tty", "1")), out _)!.Stderr);

    [Fact]
    public void Parse_NoStreams_IsRefusedWithKubeletsMessage()
    {
        Assert.Null(StreamingRequest.Parse(Query(("command", "ls"), ("tty", "1")), out var error));
        Assert.Equal("you must specify at least 1 of stdin, stdout, stderr", error);
    }
}
