using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Kubelet.Probes;

namespace Skiff.Kubelet.Tests.Probes;

public sealed class HttpProberTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);
    private TestServer _server = null!;
    private TestServer _tls = null!;
    private readonly HttpProber _prober = new(TimeProvider.System);

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(Handle);
        _tls = await TestServer.StartAsync(Handle, https: true);
    }

    public async Task DisposeAsync()
    {
        _prober.Dispose();
        await _server.DisposeAsync();
        await _tls.DisposeAsync();
    }

    private async Task Handle(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "";
        var port = ctx.Connection.LocalPort;
        switch (path)
        {
            case "/ok":
                await ctx.Response.WriteAsync("all good");
                break;
            case "/fail":
                ctx.Response.StatusCode = 500;
                await ctx.Response.WriteAsync("broken");
                break;
            case "/created":
                ctx.Response.StatusCode = 201;
                break;
            case "/notfound":
                ctx.Response.StatusCode = 404;
                break;
            case "/headers":
                await ctx.Response.WriteAsync($"ua={ctx.Request.Headers.UserAgent};accept={ctx.Request.Headers.Accept};x={ctx.Request.Headers["X-Custom"]};host={ctx.Request.Host};conn={ctx.Request.Headers.Connection}");
                break;
            case "/redirect-local":
                ctx.Response.Redirect("/ok");
                break;
            case "/redirect-to-fail":
                ctx.Response.Redirect($"http://127.0.0.1:{port}/fail");
                break;
            case "/redirect-away":
                ctx.Response.Redirect($"http://localhost:{port}/fail");
                await ctx.Response.WriteAsync("moved");
                break;
            case "/loop":
                ctx.Response.Redirect("/loop");
                break;
            case "/slow":
                await Task.Delay(TimeSpan.FromSeconds(30), ctx.RequestAborted);
                break;
            case "/big":
                await ctx.Response.WriteAsync(new string('x', 50_000));
                break;
            default:
                ctx.Response.StatusCode = 418;
                break;
        }
    }

    private Task<ProbeOutcome> Get(string path, TestServer? server = null, string scheme = "http", params KeyValuePair<string, string>[] headers) =>
        _prober.ProbeAsync(HttpProber.BuildUrl(scheme, "127.0.0.1", (server ?? _server).Port, path), headers, Timeout, CancellationToken.None);

    [Theory]
    [InlineData("/ok", "Success", "all good")]
    [InlineData("/created", "Success", "")]
    [InlineData("/fail", "Failure", "HTTP probe failed with statuscode: 500")]
    [InlineData("/notfound", "Failure", "HTTP probe failed with statuscode: 404")]
    [InlineData("/redirect-local", "Success", "all good")]
    [InlineData("/redirect-to-fail", "Failure", "HTTP probe failed with statuscode: 500")]
    [InlineData("/redirect-away", "Warning", "Probe terminated redirects, Response body: moved")]
    public async Task Status_codes_and_redirects_follow_kubelet_rules(string path, string statusName, string output)
    {
        var status = Enum.Parse<ProbeStatus>(statusName);
        var result = await Get(path);
        Assert.Equal(status, result.Status);
        Assert.Equal(output, result.Output);
    }

    [Fact]
    public async Task Redirect_loops_stop_after_ten()
    {
        var result = await Get("/loop");
        Assert.Equal(ProbeStatus.Failure, result.Status);
        Assert.EndsWith("stopped after 10 redirects", result.Output);
    }

    [Fact]
    public async Task Sends_kube_probe_user_agent_and_custom_headers()
    {
        var result = await Get("/headers");
        Assert.Equal($"ua=kube-probe/1.33;accept=*/*;x=;host=127.0.0.1:{_server.Port};conn=close", result.Output);
        result = await Get("headers", headers: [new("X-Custom", "v1"), new("User-Agent", "mine"), new("Host", "example.test")]);
        Assert.Equal("ua=mine;accept=*/*;x=v1;host=example.test;conn=close", result.Output);
    }

    [Fact]
    public async Task Https_skips_certificate_verification()
    {
        var result = await Get("/ok", _tls, "https");
        Assert.Equal(ProbeStatus.Success, result.Status);
        Assert.Equal("all good", result.Output);
    }

    [Fact]
    public async Task Body_is_truncated_to_10KiB()
    {
        var result = await Get("/big");
        Assert.Equal(ProbeStatus.Success, result.Status);
        Assert.Equal(HttpProber.MaxBodyLength, result.Output.Length);
    }

    [Fact]
    public async Task Timeout_fails_with_deadline_message()
    {
        var result = await _prober.ProbeAsync(HttpProber.BuildUrl("http", "127.0.0.1", _server.Port, "/slow"), [], TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Equal(ProbeStatus.Failure, result.Status);
        Assert.Equal($"Get \"http://127.0.0.1:{_server.Port}/slow\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)", result.Output);
    }

    [Fact]
    public async Task Connection_refused_fails_with_dial_error()
    {
        var port = TcpProberTests.UnusedPort();
        var result = await _prober.ProbeAsync(HttpProber.BuildUrl("http", "127.0.0.1", port, "/"), [], Timeout, CancellationToken.None);
        Assert.Equal(ProbeStatus.Failure, result.Status);
        Assert.Equal($"Get \"http://127.0.0.1:{port}/\": dial tcp 127.0.0.1:{port}: connect: connection refused", result.Output);
    }

    [Theory]
    [InlineData("http", "10.0.0.1", 80, null, "http://10.0.0.1:80/")]
    [InlineData("HTTPS", "10.0.0.1", 8443, "healthz", "https://10.0.0.1:8443/healthz")]
    [InlineData("http", "fd00::1", 80, "/a?b=c", "http://[fd00::1]:80/a?b=c")]
    public void BuildUrl_matches_kubelet_format(string scheme, string host, int port, string? path, string expected) =>
        Assert.Equal(expected, HttpProber.BuildUrl(scheme, host, port, path).OriginalString);

    [Fact]
    public async Task Runner_resolves_named_ports_and_defaults_host_to_pod_IP()
    {
        using var runner = new ProbeRunner(null, TimeProvider.System);
        var container = new V1Container { Name = "web", Ports = [new V1ContainerPort { Name = "http", ContainerPort = _server.Port }] };
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "p", Uid = "u" }, Status = new V1PodStatus { PodIP = "127.0.0.1" } };
        var probe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = "http", Path = "/ok" }, TimeoutSeconds = 5 };
        var result = await runner.RunAsync(probe, pod, container, "cid", null, CancellationToken.None);
        Assert.Equal(ProbeStatus.Success, result.Status);

        probe.HttpGet.Port = "metrics";
        result = await runner.RunAsync(probe, pod, container, "cid", null, CancellationToken.None);
        Assert.Equal(ProbeOutcome.Unknown("port metrics not found"), result);

        probe.HttpGet.Port = 0;
        result = await runner.RunAsync(probe, pod, container, "cid", null, CancellationToken.None);
        Assert.Equal(ProbeOutcome.Unknown("invalid port number: 0"), result);
    }
}
