using k8s.Models;
using Skiff.Proxy.Nft;
using static Skiff.Proxy.Tests.Objects;

namespace Skiff.Proxy.Tests.Nft;

/// <summary>
/// Applies rendered tables with the real nft inside a network namespace each test creates, and checks the kernel
/// accepts them, lists them back, and really DNATs (or rejects) connections.
/// </summary>
public sealed class NetnsApplyTests
{
    // Inside the namespace: 10.42.0.1 is "the node", 10.42.0.2 a "pod" listening on 8080; the service CIDR is
    // routed to the same link so connect() reaches the NAT hook.
    private const string Script = """
        import socket, sys
        srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(('10.42.0.2', 8080)); srv.listen(8)
        def probe(host, port):
            try:
                c = socket.create_connection((host, port), timeout=5)
            except ConnectionRefusedError:
                return 'refused'
            except OSError as e:
                return 'error ' + type(e).__name__
            conn, _ = srv.accept(); conn.sendall(b'hello'); conn.close()
            data = c.recv(5).decode(); c.close()
            return data
        for target in sys.argv[1:]:
            host, port = target.rsplit(':', 1)
            print(target, probe(host, int(port)))
        """;

    [Fact]
    public async Task Apply_EveryGoldenCase_KernelAcceptsAndListsItBack()
    {
        using var ns = new NetNs();
        var applier = new NftApplier(networkNamespace: ns.Name);
        foreach (var (name, rules) in NftRendererGoldenTests.Cases())
        {
            await applier.ApplyAsync(NftRenderer.Render(rules), CancellationToken.None);
            var listed = ns.Exec("nft", "list", "table", "ip", "skiff");
            Assert.Contains("chain services", listed);

            // What the kernel lists must parse back: re-apply it as one transaction.
            await applier.ApplyAsync(NftRenderer.RenderDelete() + listed, CancellationToken.None);
            Assert.Equal(listed, ns.Exec("nft", "list", "table", "ip", "skiff"));
            _ = name;
        }

        await applier.ApplyAsync(NftRenderer.RenderDelete(), CancellationToken.None);
        Assert.DoesNotContain("skiff", ns.Exec("nft", "list", "tables"));
    }

    [Fact]
    public async Task Apply_ClusterIPNodePortAndNoEndpoints_TrafficIsDnatedOrRejected()
    {
        using var ns = new NetNs();
        ns.Exec("ip", "link", "add", "va", "type", "veth", "peer", "name", "vb");
        ns.Exec("ip", "addr", "add", "10.42.0.1/24", "dev", "va");
        ns.Exec("ip", "addr", "add", "10.42.0.2/32", "dev", "va");
        ns.Exec("ip", "link", "set", "va", "up");
        ns.Exec("ip", "link", "set", "vb", "up");
        ns.Exec("ip", "route", "add", "10.43.0.0/16", "dev", "va");

        var web = Service("web", "10.43.0.5", "NodePort");
        web.Spec.Ports[0].NodePort = 30080;
        var empty = Service("empty", "10.43.0.6");
        var rules = Skiff.Proxy.Rules.RuleModelBuilder.Build(
            [web, empty],
            [Slice("web", Endpoint("10.42.0.2")), Slice("empty", Endpoint("10.42.0.3", ready: false))],
            Node,
            ["10.42.0.1"],
            "10.42.0.0/16");
        await new NftApplier(networkNamespace: ns.Name).ApplyAsync(NftRenderer.Render(rules), CancellationToken.None);

        var output = ns.Exec("/usr/bin/python3", "-c", Script, "10.43.0.5:80", "10.42.0.1:30080", "10.43.0.6:80", "10.43.0.5:81");
        Assert.Contains("10.43.0.5:80 hello", output);
        Assert.Contains("10.42.0.1:30080 hello", output);

        // No endpoints: rejected at once (ICMP port unreachable), as kube-proxy does.
        Assert.Contains("10.43.0.6:80 refused", output);

        // A port the Service does not have is not translated: nothing listens there.
        Assert.DoesNotContain("10.43.0.5:81 hello", output);
    }

    [Fact]
    public async Task Apply_NftMissing_NftExceptionNamesTheBinary()
    {
        var applier = new NftApplier("/nonexistent/nft");
        var ex = await Assert.ThrowsAsync<NftException>(() => applier.ApplyAsync("", CancellationToken.None));
        Assert.Contains("/nonexistent/nft", ex.Message);
    }

    [Fact]
    public async Task Apply_InvalidRuleText_NftExceptionCarriesNftsMessage()
    {
        using var ns = new NetNs();
        var applier = new NftApplier(networkNamespace: ns.Name);
        var ex = await Assert.ThrowsAsync<NftException>(() => applier.ApplyAsync("table ip skiff { chain x { bogus } }\n", CancellationToken.None));
        Assert.Contains("exit code", ex.Message);
    }
}
