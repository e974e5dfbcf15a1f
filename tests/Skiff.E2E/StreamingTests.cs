using System.Diagnostics;
using System.Text.RegularExpressions;
using Skiff.E2E.Support;

namespace Skiff.E2E;

/// <summary>
/// Interactive streaming through the real kubectl against a node agent with real containerd: exec (exit codes,
/// a shell on a pseudo-terminal with its window size), cp both ways, attach, run -i --rm, port-forward to a pod and
/// to a Service, the errors for a missing container, and a killed client freeing its session on the node. kubectl 1.33
/// speaks WebSocket (v5.channel.k8s.io, the SPDY-in-WebSocket port-forward tunnel); 1.28 speaks SPDY/3.1.
/// </summary>
public sealed class StreamingTests(NodeServerFixture fixture, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<NodeServerFixture>
{
    private readonly NodeServer _node = fixture.Node;

    private Kubectl For(string version) => version == "1.33" ? _node.Kubectl : new Kubectl(_node.Kubeconfig, version) { NetworkNamespace = _node.Netns };

    private async Task RunPodAsync(string name, params string[] command)
    {
        var existing = await _node.Kubectl.RunAsync("get", "pod", name, "-o", "name");
        if (existing.ExitCode != 0)
        {
            await _node.Kubectl.OkAsync(["run", name, "--image=" + NodeServer.TestImage, "--image-pull-policy=IfNotPresent", "--", .. command]);
        }

        await _node.EventuallyAsync(async () => await _node.PodFieldAsync(name, "{.status.containerStatuses[0].state.running.startedAt}") != "", name + " running");
    }

    private Task ShellPodAsync() => RunPodAsync("shell", "httpd", "-f", "-p", "80", "-h", "/etc");

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.28")]
    public async Task Exec_returns_the_commands_output_and_exit_code(string version)
    {
        await ShellPodAsync();
        var k = For(version);
        var r = await k.RunAsync("exec", "shell", "--", "sh", "-c", "echo out-$((40+2)); echo err-line >&2; exit 3");
        Assert.True(r.ExitCode == 3, $"kubectl {version} exit {r.ExitCode}\n{r.Stdout}\n{r.Stderr}");
        Assert.Contains("out-42", r.Stdout);
        Assert.Contains("err-line", r.Stderr);

        var ok = await k.OkAsync("exec", "shell", "--", "cat", "/etc/hostname");
        Assert.Equal("shell", ok.Trim());

        // stdin reaches the command and its EOF ends it (v5 close channel for 1.33, SPDY FIN for 1.28).
        var echoed = await k.OkWithInputAsync("line one\nline two\n", "exec", "-i", "shell", "--", "sh", "-c", "wc -l; echo done");
        Assert.Equal("2\ndone", echoed.Trim());
    }

    [Fact]
    public async Task Kubectl_1_33_execs_over_websocket_v5_and_1_28_over_spdy()
    {
        await ShellPodAsync();
        await _node.Kubectl.OkAsync("exec", "shell", "--", "true");
        await For("1.28").OkAsync("exec", "shell", "--", "true");
        await _node.EventuallyAsync(() => Task.FromResult(
            _node.Log.Contains("Streaming exec default/shell started (v5.channel.k8s.io)", StringComparison.Ordinal)
            && _node.Log.Contains("Streaming exec default/shell started (v4.channel.k8s.io)", StringComparison.Ordinal)), "a v5 WebSocket session and a SPDY v4 session in the server log");
    }

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.28")]
    public async Task Interactive_exec_on_a_terminal_runs_commands_sees_the_window_size_and_returns_the_exit_code(string version)
    {
        await ShellPodAsync();
        var (code, output) = await PtyAsync(For(version), "exec", "-it", "shell", "--", "sh");
        Assert.True(code == 5, $"exit {code}: {output}");
        Assert.Contains("42-ok", output);
        Assert.Contains("33 101", output);
    }

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.28")]
    public async Task Cp_round_trips_a_binary_file(string version)
    {
        await ShellPodAsync();
        var k = For(version);
        var dir = Directory.CreateTempSubdirectory("skiff-cp-");
        try
        {
            var original = new byte[300 * 1024];
            new Random(8).NextBytes(original);
            var source = Path.Combine(dir.FullName, "blob.bin");
            await File.WriteAllBytesAsync(source, original);
            await k.OkAsync("cp", source, $"shell:/tmp/blob-{version}.bin");
            var back = Path.Combine(dir.FullName, "back.bin");
            await k.OkAsync("cp", $"shell:/tmp/blob-{version}.bin", back);
            Assert.Equal(original, await File.ReadAllBytesAsync(back));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public async Task Attach_shows_the_running_containers_output()
    {
        await RunPodAsync("ticker", "sh", "-c", "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 1; done");
        foreach (var version in new[] { "1.33", "1.28" })
        {
            await using var attach = await For(version).StartAsync("attach", "ticker");
            await attach.WaitForOutputAsync(@"^tick-\d+");
        }
    }

    [Fact]
    public async Task Run_interactive_with_rm_feeds_stdin_prints_output_and_deletes_the_pod()
    {
        foreach (var version in new[] { "1.33", "1.28" })
        {
            var name = "once-" + version.Replace(".", "");
            var r = await For(version).RunWithInputAsync("hello there\n", "run", name, "-i", "--rm", "--restart=Never", "--image=" + NodeServer.TestImage,
                "--image-pull-policy=IfNotPresent", "--", "sh", "-c", "read line; echo got: $line");
            Assert.True(r.ExitCode == 0, $"kubectl {version}: {r.Stdout}\n{r.Stderr}");
            Assert.Contains("got: hello there", r.Stdout);
            Assert.Contains($"pod \"{name}\" deleted", r.Stdout + r.Stderr);
            await _node.EventuallyAsync(async () => (await _node.Kubectl.RunAsync("get", "pod", name)).ExitCode != 0, name + " gone");
        }

        // -t as well: through a pseudo-terminal, the shell's exit code comes back.
        var (code, output) = await PtyAsync(_node.Kubectl, "run", "tty-once", "-it", "--rm", "--restart=Never", "--image=" + NodeServer.TestImage, "--image-pull-policy=IfNotPresent", "--", "sh");
        Assert.True(code == 5, $"exit {code}: {output}");
        Assert.Contains("42-ok", output);
    }

    [Theory]
    [InlineData("1.33")]
    [InlineData("1.28")]
    public async Task Port_forward_to_a_pod_and_a_service_serves_http_from_busybox_httpd(string version)
    {
        await ShellPodAsync();
        await _node.Kubectl.RunAsync("expose", "pod", "shell", "--port=8080", "--target-port=80", "--name=shell-svc");
        var k = For(version);
        foreach (var target in new[] { "pod/shell", "svc/shell-svc" })
        {
            var remote = target.StartsWith("svc", StringComparison.Ordinal) ? "8080" : "80";
            await using var forward = await k.StartAsync("port-forward", target, ":" + remote);
            await forward.WaitForOutputAsync(@"Forwarding from 127\.0\.0\.1:\d+ ->");
            var port = Regex.Match(forward.Output, @"127\.0\.0\.1:(\d+)").Groups[1].Value;
            for (var i = 0; i < 2; i++)
            {
                var (code, body) = await _node.InNetnsAsync("timeout", "20", "busybox", "wget", "-qO-", $"http://127.0.0.1:{port}/hostname");
                Assert.True(code == 0, $"{target} via kubectl {version}: {body}\n{forward.Output}\n--- server log ---\n{string.Join('\n', _node.Log.Split('\n').TakeLast(40))}");
                Assert.Equal("shell", body.Trim());
            }
        }

        // 1.33 used the WebSocket tunnel rather than falling back to SPDY; 1.28 offers SPDY only.
        var tunnelled = _node.Log.Contains("Streaming portforward default/shell started (SPDY/3.1+portforward.k8s.io)", StringComparison.Ordinal);
        Assert.True(version == "1.33" ? tunnelled : _node.Log.Contains("Streaming portforward default/shell started (portforward.k8s.io)", StringComparison.Ordinal), _node.Log);
    }

    [Fact]
    public async Task Exec_into_a_missing_container_or_without_a_command_is_refused_with_kubernetes_text()
    {
        await ShellPodAsync();
        foreach (var version in new[] { "1.33", "1.28" })
        {
            var r = await For(version).RunAsync("exec", "shell", "-c", "nope", "--", "true");
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("container nope is not valid for pod shell", r.Stderr);
        }

        var missing = await _node.Kubectl.RunAsync("exec", "no-such-pod", "--", "true");
        Assert.Contains("pods \"no-such-pod\" not found", missing.Stderr);

        // A pod no node has taken: the API server's 400, as kube-apiserver's ExecLocation answers.
        await _node.Kubectl.OkAsync("run", "nowhere", "--image=" + NodeServer.TestImage, "--overrides={\"spec\":{\"nodeSelector\":{\"no\":\"such-node\"}}}", "--", "sleep", "60");
        foreach (var version in new[] { "1.33", "1.28" })
        {
            var pending = await For(version).RunAsync("exec", "nowhere", "--", "true");
            Assert.NotEqual(0, pending.ExitCode);
            Assert.Contains("pod nowhere does not have a host assigned", pending.Stderr);
        }

        // A container that has exited in a running pod: the node agent finds no running instance (kubelet's text).
        await _node.Kubectl.OkWithInputAsync($$$"""
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"half"},"spec":{"restartPolicy":"Never","containers":[
              {"name":"runner","image":"{{{NodeServer.TestImage}}}","imagePullPolicy":"IfNotPresent","command":["sleep","3600"]},
              {"name":"quitter","image":"{{{NodeServer.TestImage}}}","imagePullPolicy":"IfNotPresent","command":["true"]}]}}
            """, "apply", "-f", "-");
        await _node.EventuallyAsync(async () => await _node.PodFieldAsync("half", "{.status.containerStatuses[?(@.name==\"quitter\")].state.terminated.reason}") == "Completed"
            && await _node.PodFieldAsync("half", "{.status.phase}") == "Running", "half Running with quitter Completed");
        foreach (var version in new[] { "1.33", "1.28" })
        {
            var exited = await For(version).RunAsync("exec", "half", "-c", "quitter", "--", "true");
            Assert.NotEqual(0, exited.ExitCode);
            Assert.Contains("container not found (\"quitter\")", exited.Stderr);
        }

        // A finished pod: kubectl refuses it from the phase the server reports.
        await _node.Kubectl.OkAsync("run", "finished", "--restart=Never", "--image=" + NodeServer.TestImage, "--image-pull-policy=IfNotPresent", "--", "true");
        await _node.EventuallyAsync(async () => await _node.PodFieldAsync("finished", "{.status.phase}") == "Succeeded", "finished Succeeded");
        var done = await _node.Kubectl.RunAsync("exec", "finished", "--", "true");
        Assert.Contains("cannot exec into a container in a completed pod; current phase is Succeeded", done.Stderr);
    }

    [Fact]
    public async Task Killing_the_client_ends_the_session_on_the_node()
    {
        await ShellPodAsync();
        foreach (var version in new[] { "1.33", "1.28" })
        {
            var marker = "held-" + version.Replace(".", "");
            var k = For(version);
            var psi = new ProcessStartInfo("nsenter") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "--net=/run/netns/" + _node.Netns, k.Binary, "--kubeconfig", _node.Kubeconfig, "exec", "-i", "shell", "--", "sh", "-c", $"echo {marker}; cat; true" })
            {
                psi.ArgumentList.Add(a);
            }

            using var client = Process.Start(psi)!;
            var firstLine = await client.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(marker, firstLine);
            Assert.Contains(marker, await k.OkAsync("exec", "shell", "--", "ps", "-o", "args"));

            client.Kill();
            await client.WaitForExitAsync();
            await _node.EventuallyAsync(async () => !(await k.OkAsync("exec", "shell", "--", "ps", "-o", "args")).Contains(marker, StringComparison.Ordinal),
                $"the exec session of the killed kubectl {version} to end in the container");
        }
    }

    /// <summary>
    /// A client speaking WebSocket <c>v4.channel.k8s.io</c> (as the Python client does) gets the runtime's own WebSocket
    /// protocol through both proxies unchanged: output on channel 1, the exit code in a Status on channel 3.
    /// </summary>
    [Fact]
    public async Task Websocket_v4_client_passes_through_to_the_runtime()
    {
        await ShellPodAsync();
        var config = await File.ReadAllTextAsync(_node.Kubeconfig);
        string Field(string name) => Regex.Match(config, name + @":\s*(\S+)").Groups[1].Value;
        var dir = Directory.CreateTempSubdirectory("skiff-ws4-");
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(dir.FullName, "cert.pem"), Convert.FromBase64String(Field("client-certificate-data")));
            await File.WriteAllBytesAsync(Path.Combine(dir.FullName, "key.pem"), Convert.FromBase64String(Field("client-key-data")));
            var script = Path.Combine(dir.FullName, "ws4.py");
            await File.WriteAllTextAsync(script, """
                import base64, os, socket, ssl, struct, sys
                d = sys.argv[1]
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                ctx.load_cert_chain(os.path.join(d, 'cert.pem'), os.path.join(d, 'key.pem'))
                s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', 6443), timeout=60))
                path = '/api/v1/namespaces/default/pods/shell/exec?command=sh&command=-c&command=echo%20v4-ok%3B%20exit%207&stdout=true&stderr=true'
                key = base64.b64encode(os.urandom(16)).decode()
                s.sendall(('GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n'
                           'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n' % (path, key)).encode())
                buf = b''
                while b'\r\n\r\n' not in buf:
                    chunk = s.recv(4096)
                    if not chunk:
                        break
                    buf += chunk
                head, _, buf = buf.partition(b'\r\n\r\n')
                print(head.decode().split('\r\n')[0])
                print('protocol=' + ''.join(l.split(':', 1)[1].strip() for l in head.decode().split('\r\n') if l.lower().startswith('sec-websocket-protocol')))
                def need(n):
                    global buf
                    while len(buf) < n:
                        chunk = s.recv(65536)
                        if not chunk:
                            raise SystemExit('eof')
                        buf += chunk
                    out, buf = buf[:n], buf[n:]
                    return out
                channels = {}
                while True:
                    try:
                        b0, b1 = need(2)
                    except SystemExit:
                        break
                    n = b1 & 0x7f
                    if n == 126:
                        n = struct.unpack('>H', need(2))[0]
                    elif n == 127:
                        n = struct.unpack('>Q', need(8))[0]
                    payload = need(n)
                    if b0 & 0x0f == 8:
                        break
                    if payload:
                        channels[payload[0]] = channels.get(payload[0], b'') + payload[1:]
                for c in sorted(channels):
                    print('channel %d: %s' % (c, channels[c].decode(errors='replace').strip()))
                """);
            var (code, text) = await _node.InNetnsAsync("python3", script, dir.FullName);
            Assert.True(code == 0, text);
            Assert.Contains("HTTP/1.1 101", text);
            Assert.Contains("protocol=v4.channel.k8s.io", text);
            Assert.Contains("channel 1: v4-ok", text);
            Assert.Matches("channel 3: .*NonZeroExitCode.*\"message\":\"7\"", text);
            Assert.Contains("Streaming exec default/shell started (v4.channel.k8s.io)", _node.Log);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    /// <summary>Figures, printed (not asserted): exec round trips and cp throughput per protocol, kubectl start-up included.</summary>
    [Fact]
    public async Task Measure_exec_round_trips_and_cp_throughput()
    {
        await ShellPodAsync();
        var dir = Directory.CreateTempSubdirectory("skiff-cp-measure-");
        try
        {
            var blob = Path.Combine(dir.FullName, "blob.bin");
            var data = new byte[20 * 1024 * 1024];
            new Random(1).NextBytes(data);
            await File.WriteAllBytesAsync(blob, data);
            foreach (var version in new[] { "1.33", "1.28" })
            {
                var k = For(version);
                await k.OkAsync("exec", "shell", "--", "true");
                var watch = Stopwatch.StartNew();
                for (var i = 0; i < 10; i++)
                {
                    await k.OkAsync("exec", "shell", "--", "true");
                }

                var exec = watch.Elapsed.TotalMilliseconds / 10;
                watch.Restart();
                await k.OkAsync("cp", blob, "shell:/tmp/measure.bin");
                var up = watch.Elapsed.TotalSeconds;
                watch.Restart();
                var back = Path.Combine(dir.FullName, "back-" + version);
                await k.OkAsync("cp", "shell:/tmp/measure.bin", back);
                var down = watch.Elapsed.TotalSeconds;
                Assert.Equal(data.Length, new FileInfo(back).Length);
                output.WriteLine($"kubectl {version} ({Environment.ProcessorCount} cores): exec round trip {exec:0} ms; cp 20 MiB into the pod {20 / up:0.0} MiB/s, out of it {20 / down:0.0} MiB/s");
            }
        }
        finally
        {
            dir.Delete(true);
        }
    }

    /// <summary>
    /// Runs kubectl on a pseudo-terminal (33 rows, 101 columns) through python's pty module: waits for the shell
    /// prompt, runs <c>echo $((6*7))-ok</c> and <c>stty size</c>, then <c>exit 5</c>; returns kubectl's exit code and output.
    /// </summary>
    private async Task<(int Code, string Output)> PtyAsync(Kubectl k, params string[] args)
    {
        const string driver = """
            import fcntl, os, pty, select, struct, sys, termios, time
            pid, fd = pty.fork()
            if pid == 0:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 33, 101, 0, 0))
                os.execvp(sys.argv[1], sys.argv[1:])
            out = b''
            def until(marker, seconds=90):
                global out
                end = time.time() + seconds
                while marker not in out:
                    r, _, _ = select.select([fd], [], [], max(0.0, end - time.time()))
                    if not r:
                        sys.stdout.write('TIMEOUT waiting for %r\n' % marker); return False
                    try:
                        data = os.read(fd, 4096)
                    except OSError:
                        data = b''
                    if not data:
                        sys.stdout.write('EOF waiting for %r\n' % marker); return False
                    out += data
                return True
            ok = until(b'# ')
            if ok:
                os.write(fd, b'echo $((6*7))-ok\r'); ok = until(b'42-ok')
            if ok:
                os.write(fd, b'stty size\r'); ok = until(b'33 101')
            if ok:
                os.write(fd, b'exit 5\r')
            end = time.time() + 60
            while time.time() < end:
                r, _, _ = select.select([fd], [], [], 1)
                if r:
                    try:
                        data = os.read(fd, 4096)
                    except OSError:
                        break
                    if not data:
                        break
                    out += data
            _, status = os.waitpid(pid, 0)
            sys.stdout.write(out.decode('utf-8', 'replace'))
            sys.exit(os.waitstatus_to_exitcode(status))
            """;
        var script = Path.Combine(Path.GetTempPath(), "skiff-pty-" + Guid.NewGuid().ToString("N")[..8] + ".py");
        await File.WriteAllTextAsync(script, driver);
        try
        {
            var psi = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { script, "nsenter", "--net=/run/netns/" + _node.Netns, k.Binary, "--kubeconfig", _node.Kubeconfig })
            {
                psi.ArgumentList.Add(a);
            }

            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            psi.Environment["HOME"] = Path.GetTempPath();
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(240));
            await p.WaitForExitAsync(cts.Token);
            return (p.ExitCode, await stdout + await stderr);
        }
        finally
        {
            File.Delete(script);
        }
    }
}
