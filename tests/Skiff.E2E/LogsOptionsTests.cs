using System.Text.RegularExpressions;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// <c>kubectl logs</c> options through the API server's pods/log to the node agent, beyond what
/// <see cref="KubeletPodTests"/> covers: follow with old and new kubectl (lines written after it started, ending with
/// the container), limit-bytes, since-time, prefix, and the Status errors for bad values.
/// </summary>
public sealed class LogsOptionsTests(NodeServerFixture fixture) : IClassFixture<NodeServerFixture>
{
    private readonly NodeServer _node = fixture.Node;

    private Kubectl K => _node.Kubectl;

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.28")]
    public async Task Logs_follow_shows_lines_written_after_it_started_and_ends_when_the_container_ends(string version)
    {
        var name = "follow-" + version.Replace(".", "", StringComparison.Ordinal);
        var gate = Path.Combine(_node.DataDir, "gate-" + name);
        Directory.CreateDirectory(gate);
        var manifest = $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: {{name}}}
            spec:
              restartPolicy: Never
              volumes:
              - name: gate
                hostPath: {path: "{{gate}}", type: Directory}
              containers:
              - name: main
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "echo waiting; while [ ! -f /gate/go ]; do sleep 0.2; done; for i in 1 2 3; do echo after-$i; sleep 0.5; done"]
                volumeMounts: [{name: gate, mountPath: /gate}]
            """;
        await K.OkWithInputAsync(manifest, "apply", "-f", "-");
        await _node.EventuallyAsync(async () => (await K.RunAsync("logs", name)).Stdout.Contains("waiting", StringComparison.Ordinal), name + " to start");

        var kubectl = new Kubectl(_node.Kubeconfig, version) { NetworkNamespace = _node.Netns };
        await using var follow = await kubectl.StartAsync("logs", "-f", name);
        await follow.WaitForOutputAsync("^waiting$");

        // Only now may the container write more: these lines can reach kubectl only by following the file.
        await File.WriteAllTextAsync(Path.Combine(gate, "go"), "");
        await follow.WaitForOutputAsync(@"^after-3$");
        Assert.Equal(0, await follow.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("waiting\nafter-1\nafter-2\nafter-3\n", follow.Output);
    }

    [Fact]
    public async Task Logs_limit_bytes_since_time_prefix_and_bad_values()
    {
        var manifest = $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: chatter}
            spec:
              containers:
              - name: one
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "echo alpha-line; echo beta-line; sleep 3600"]
              - name: two
                image: {{NodeServer.TestImage}}
                imagePullPolicy: IfNotPresent
                command: ["sh", "-c", "echo gamma-line; sleep 3600"]
            """;
        await K.OkWithInputAsync(manifest, "apply", "-f", "-");
        await _node.EventuallyAsync(async () => (await K.RunAsync("logs", "chatter", "-c", "two")).Stdout.Contains("gamma-line", StringComparison.Ordinal)
            && (await K.RunAsync("logs", "chatter", "-c", "one")).Stdout.Contains("beta-line", StringComparison.Ordinal), "chatter's output");

        Assert.Equal("alpha", await K.OkAsync("logs", "chatter", "-c", "one", "--limit-bytes=5"));
        Assert.Equal("alpha-line\nbeta-line\n", await K.OkAsync("logs", "chatter", "-c", "one", "--since-time=2000-01-01T00:00:00Z"));
        Assert.Equal("", await K.OkAsync("logs", "chatter", "-c", "one", "--since-time=" + DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'")));
        var stamped = await K.OkAsync("logs", "chatter", "-c", "one", "--timestamps", "--tail=1");
        Assert.Matches(@"^\S+Z beta-line\n$", stamped);

        var prefixed = await K.OkAsync("logs", "chatter", "--all-containers", "--prefix");
        Assert.Contains("[pod/chatter/one] alpha-line\n", prefixed);
        Assert.Contains("[pod/chatter/one] beta-line\n", prefixed);
        Assert.Contains("[pod/chatter/two] gamma-line\n", prefixed);

        // kubectl itself picks the first container ("Defaulted container"); the API asks for one.
        Assert.Equal("alpha-line\nbeta-line\n", await K.OkAsync("logs", "chatter"));
        var noContainer = await K.RunAsync("get", "--raw", "/api/v1/namespaces/default/pods/chatter/log");
        Assert.NotEqual(0, noContainer.ExitCode);
        Assert.Contains("a container name must be specified for pod chatter, choose one of: [one two]", noContainer.Stderr);

        var negative = await K.RunAsync("get", "--raw", "/api/v1/namespaces/default/pods/chatter/log?container=one&tailLines=-3");
        Assert.NotEqual(0, negative.ExitCode);
        Assert.Contains("PodLogOptions \"chatter\" is invalid: tailLines: Invalid value: -3: must be greater than or equal to 0", negative.Stderr);
        var both = await K.RunAsync("get", "--raw", "/api/v1/namespaces/default/pods/chatter/log?container=one&sinceSeconds=5&sinceTime=2000-01-01T00:00:00Z");
        Assert.Contains("at most one of `sinceTime` or `sinceSeconds` may be specified", both.Stderr);
        var garbage = await K.RunAsync("get", "--raw", "/api/v1/namespaces/default/pods/chatter/log?container=one&limitBytes=lots");
        Assert.NotEqual(0, garbage.ExitCode);
        Assert.Matches(new Regex("BadRequest|Bad Request"), garbage.Stderr);
        var previous = await K.RunAsync("logs", "chatter", "-c", "one", "--previous");
        Assert.NotEqual(0, previous.ExitCode);
        Assert.Contains("previous terminated container \"one\" in pod \"chatter\" not found", previous.Stderr);
    }
}
