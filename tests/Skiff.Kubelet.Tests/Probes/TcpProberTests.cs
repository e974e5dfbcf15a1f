using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Skiff.Kubelet.Probes;

namespace Skiff.Kubelet.Tests.Probes;

public class TcpProberTests
{
    /// <summary>A loopback port nothing listens on (bound and released at once).</summary>
    internal static int UnusedPort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        var port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    [Fact]
    public async Task Open_port_succeeds_and_closed_port_fails_with_dial_error()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var prober = new TcpProber(TimeProvider.System);
        Assert.Equal(ProbeStatus.Success, (await prober.ProbeAsync("127.0.0.1", port, TimeSpan.FromSeconds(5), CancellationToken.None)).Status);

        var closed = UnusedPort();
        var result = await prober.ProbeAsync("127.0.0.1", closed, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal(ProbeOutcome.Failure($"dial tcp 127.0.0.1:{closed}: connect: connection refused"), result);
    }

    [Fact]
    public async Task Runner_uses_probe_host_and_named_port()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var runner = new ProbeRunner(null, TimeProvider.System);
        var container = new V1Container { Name = "db", Ports = [new V1ContainerPort { Name = "pg", ContainerPort = port }] };
        var pod = new V1Pod { Metadata = new V1ObjectMeta { Name = "p", Uid = "u" }, Status = new V1PodStatus { PodIP = "192.0.2.1" } };
        var probe = new V1Probe { TcpSocket = new V1TCPSocketAction { Host = "127.0.0.1", Port = "pg" } };
        Assert.Equal(ProbeStatus.Success, (await runner.RunAsync(probe, pod, container, "cid", null, CancellationToken.None)).Status);
    }
}
