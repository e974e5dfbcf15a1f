using System.Runtime.CompilerServices;
using k8s.Models;
using Skiff.Proxy.Nft;
using Skiff.Proxy.Rules;
using static Skiff.Proxy.Tests.Objects;

namespace Skiff.Proxy.Tests.Nft;

/// <summary>
/// Rule model → nftables text, one golden file per Service type and policy under testdata/. Set
/// SKIFF_UPDATE_GOLDEN=1 to rewrite them after an intended change (then read the diff).
/// </summary>
public sealed class NftRendererGoldenTests
{
    /// <summary>Every golden case: name and the rule set it renders.</summary>
    internal static IEnumerable<(string Name, ProxyRuleSet Rules)> Cases()
    {
        yield return ("clusterip", Build(
            [Service("web", "10.43.0.10")],
            [Slice("web", Endpoint("10.42.0.5"), Endpoint("10.42.0.6", node: "node-b"), Endpoint("10.42.0.7", ready: false))]));

        yield return ("clusterip-terminating-fallback", Build(
            [Service("web", "10.43.0.10")],
            [Slice("web", Endpoint("10.42.0.5", ready: false, serving: true, terminating: true), Endpoint("10.42.0.6", ready: false, serving: false, terminating: true))]));

        var np = Service("web", "10.43.0.11", "NodePort");
        np.Spec.Ports[0].NodePort = 30080;
        yield return ("nodeport", Build([np], [Slice("web", Endpoint("10.42.0.5"), Endpoint("10.42.0.6"))]));

        var lb = Service("web", "10.43.0.12", "LoadBalancer");
        lb.Spec.Ports[0].NodePort = 30081;
        lb.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = [new V1LoadBalancerIngress { Ip = "192.168.5.10" }] } };
        yield return ("loadbalancer", Build([lb], [Slice("web", Endpoint("10.42.0.5"))]));

        var ext = Service("web", "10.43.0.13");
        ext.Spec.ExternalIPs = ["192.168.7.7"];
        yield return ("externalips", Build([ext], [Slice("web", Endpoint("10.42.0.5"))]));

        var affinity = Service("web", "10.43.0.14");
        affinity.Spec.SessionAffinity = "ClientIP";
        affinity.Spec.SessionAffinityConfig = new V1SessionAffinityConfig { ClientIP = new V1ClientIPConfig { TimeoutSeconds = 600 } };
        yield return ("affinity", Build([affinity], [Slice("web", Endpoint("10.42.0.5"), Endpoint("10.42.0.6"))]));

        var etpLocal = Service("web", "10.43.0.15", "NodePort");
        etpLocal.Spec.Ports[0].NodePort = 30082;
        etpLocal.Spec.ExternalTrafficPolicy = "Local";
        yield return ("etp-local", Build([etpLocal], [Slice("web", Endpoint("10.42.0.5"), Endpoint("10.42.1.5", node: "node-b"))]));

        var etpLocalNone = Service("web", "10.43.0.16", "NodePort");
        etpLocalNone.Spec.Ports[0].NodePort = 30083;
        etpLocalNone.Spec.ExternalTrafficPolicy = "Local";
        yield return ("etp-local-no-local-endpoints", Build([etpLocalNone], [Slice("web", Endpoint("10.42.1.5", node: "node-b"))]));

        var itpLocal = Service("web", "10.43.0.17");
        itpLocal.Spec.InternalTrafficPolicy = "Local";
        yield return ("itp-local", Build([itpLocal], [Slice("web", Endpoint("10.42.0.5"), Endpoint("10.42.1.5", node: "node-b"))]));

        var noEp = Service("web", "10.43.0.18", "NodePort");
        noEp.Spec.Ports[0].NodePort = 30084;
        noEp.Spec.ExternalIPs = ["192.168.7.8"];
        yield return ("no-endpoints-reject", Build([noEp], [Slice("web", Endpoint("10.42.0.5", ready: false))]));

        var multi = Service("dns", "10.43.0.19", "ClusterIP",
            new V1ServicePort { Name = "dns", Port = 53, Protocol = "UDP" },
            new V1ServicePort { Name = "dns-tcp", Port = 53, Protocol = "TCP" });
        yield return ("multiport-udp-tcp", Build([multi],
            [SliceWithPort("dns", "dns", 5353, "UDP", Endpoint("10.42.0.9")), SliceWithPort("dns", "dns-tcp", 5353, "TCP", Endpoint("10.42.0.9"))]));

        // Two Services claim the same external address and port: the first in the model's order keeps it (nft would
        // refuse the whole transaction over a duplicate map key).
        var sharedA = Service("a-web", "10.43.0.20");
        sharedA.Spec.ExternalIPs = ["192.168.7.9"];
        var sharedB = Service("b-web", "10.43.0.21");
        sharedB.Spec.ExternalIPs = ["192.168.7.9"];
        yield return ("shared-external-ip", Build([sharedB, sharedA], [Slice("a-web", Endpoint("10.42.0.5")), Slice("b-web", Endpoint("10.42.0.6"))]));

        var headless = Service("db", "None");
        var externalName = Service("ext", "");
        externalName.Spec.Type = "ExternalName";
        externalName.Spec.ExternalName = "example.org";
        yield return ("headless-and-externalname-skipped", Build([headless, externalName], [Slice("db", Endpoint("10.42.0.5"))]));
    }

    public static TheoryData<string> CaseNames() => [.. Cases().Select(c => c.Name)];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Render_MatchesGoldenFile(string name)
    {
        var rules = Cases().Single(c => c.Name == name).Rules;
        var text = NftRenderer.Render(rules);
        var path = Path.Combine(TestDataDirectory(), name + ".nft");
        if (Environment.GetEnvironmentVariable("SKIFF_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, text);
        }

        Assert.True(File.Exists(path), $"golden file {path} is missing (run with SKIFF_UPDATE_GOLDEN=1)");
        Assert.Equal(File.ReadAllText(path), text);
    }

    [Fact]
    public void Render_SameInputTwice_SameText()
    {
        foreach (var (_, rules) in Cases())
        {
            Assert.Equal(NftRenderer.Render(rules), NftRenderer.Render(rules));
        }
    }

    internal static ProxyRuleSet Build(V1Service[] services, V1EndpointSlice[] slices) =>
        RuleModelBuilder.Build(services, slices, Node, ["192.168.1.2"], "10.42.0.0/16");

    internal static string TestDataDirectory([CallerFilePath] string file = "") =>
        Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(file))!, "testdata");
}
