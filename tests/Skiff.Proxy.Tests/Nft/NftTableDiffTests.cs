using k8s.Models;
using Skiff.Proxy.Nft;
using Skiff.Proxy.Rules;
using static Skiff.Proxy.Tests.Objects;

namespace Skiff.Proxy.Tests.Nft;

/// <summary>
/// Partial syncs: the transaction from one rendered table to the next touches only what changed, and applied by the
/// real nft in a namespace the test creates, it leaves the kernel with the same table a full rewrite gives.
/// </summary>
public sealed class NftTableDiffTests
{
    private static V1Service Web(int nodePort = 30080, bool affinity = false)
    {
        var web = Service("web", "10.43.0.5", "NodePort");
        web.Spec.Ports[0].NodePort = nodePort;
        if (affinity)
        {
            web.Spec.SessionAffinity = "ClientIP";
            web.Spec.SessionAffinityConfig = new V1SessionAffinityConfig { ClientIP = new V1ClientIPConfig { TimeoutSeconds = 600 } };
        }

        return web;
    }

    private static V1Service Api()
    {
        var api = Service("api", "10.43.0.6");
        api.Spec.ExternalIPs = ["192.168.7.7"];
        return api;
    }

    private static V1Service Dns() =>
        Service("dns", "10.43.0.53", "ClusterIP", new V1ServicePort { Name = "dns", Port = 53, Protocol = "UDP" });

    private static readonly V1EndpointSlice DnsSlice = SliceWithPort("dns", "dns", 5353, "UDP", Endpoint("10.42.0.9"));

    /// <summary>A sequence of tables, each a small change from the one before.</summary>
    private static IEnumerable<(string Change, ProxyRuleSet Rules)> Steps()
    {
        yield return ("start", NftRendererGoldenTests.Build([Web(), Dns()], [Slice("web", Endpoint("10.42.0.2"), Endpoint("10.42.0.3")), DnsSlice]));
        yield return ("endpoint added", NftRendererGoldenTests.Build([Web(), Dns()], [Slice("web", Endpoint("10.42.0.2"), Endpoint("10.42.0.3"), Endpoint("10.42.0.4")), DnsSlice]));
        yield return ("affinity on, endpoints removed", NftRendererGoldenTests.Build([Web(affinity: true), Dns()], [Slice("web", Endpoint("10.42.0.4")), DnsSlice]));
        yield return ("service replaced", NftRendererGoldenTests.Build([Api(), Dns()], [Slice("api", Endpoint("10.42.0.2")), DnsSlice]));
        yield return ("no endpoints", NftRendererGoldenTests.Build([Api(), Dns()], [Slice("api", Endpoint("10.42.0.2", ready: false)), DnsSlice]));
        yield return ("endpoints back, node port service added", NftRendererGoldenTests.Build([Api(), Web(30099), Dns()], [Slice("api", Endpoint("10.42.0.2")), Slice("web", Endpoint("10.42.0.5")), DnsSlice]));
        yield return ("everything removed", NftRendererGoldenTests.Build([], []));
    }

    [Fact]
    public void Render_EndpointAdded_TouchesOnlyThatServicesChainsAndNoMapElement()
    {
        var steps = Steps().Take(2).Select(s => NftTableDiff.Parse(NftRenderer.Render(s.Rules))).ToList();
        var partial = NftTableDiff.Render(steps[0], steps[1]);
        Assert.NotNull(partial);
        Assert.Contains("flush chain ip skiff service-", partial);
        Assert.Contains("add chain ip skiff endpoint-", partial);
        Assert.Contains("dnat to 10.42.0.4:8080", partial);
        Assert.DoesNotContain("element", partial);
        Assert.DoesNotContain("dns", partial);
        Assert.Equal("", NftTableDiff.Render(steps[1], steps[1]));
    }

    [Fact]
    public void Render_NodeAddressesChange_NeedsAFullRewrite()
    {
        var before = NftTableDiff.Parse(NftRenderer.Render(RuleModelBuilder.Build([Web()], [Slice("web", Endpoint("10.42.0.2"))], Node, ["192.168.1.2"], "10.42.0.0/16")));
        var after = NftTableDiff.Parse(NftRenderer.Render(RuleModelBuilder.Build([Web()], [Slice("web", Endpoint("10.42.0.2"))], Node, ["192.168.1.3"], "10.42.0.0/16")));
        Assert.Null(NftTableDiff.Render(before, after));
    }

    [Fact]
    public async Task Apply_EachPartialStep_KernelHoldsWhatAFullRewriteGives()
    {
        using var ns = new NetNs();
        var applier = new NftApplier(networkNamespace: ns.Name);
        var steps = Steps().ToList();
        await applier.ApplyAsync(NftRenderer.Render(steps[0].Rules), CancellationToken.None);
        for (var i = 1; i < steps.Count; i++)
        {
            var before = NftRenderer.Render(steps[i - 1].Rules);
            var after = NftRenderer.Render(steps[i].Rules);
            var partial = NftTableDiff.Render(NftTableDiff.Parse(before), NftTableDiff.Parse(after));
            Assert.True(partial is not null, $"step '{steps[i].Change}' needed a full rewrite");
            await applier.ApplyAsync(partial, CancellationToken.None);
            var afterPartial = Normalize(ns.Exec("nft", "list", "table", "ip", "skiff"));

            await applier.ApplyAsync(after, CancellationToken.None);
            var afterFull = Normalize(ns.Exec("nft", "list", "table", "ip", "skiff"));
            Assert.True(afterFull.Count > 0);
            Assert.Equal(afterFull.OrderBy(b => b.Key, StringComparer.Ordinal), afterPartial.OrderBy(b => b.Key, StringComparer.Ordinal));
        }
    }

    // The kernel lists chains in creation order and map elements in its own order: compare chains by name with their
    // rules in order, sets and maps by their sorted elements.
    private static Dictionary<string, string> Normalize(string listing)
    {
        var blocks = new Dictionary<string, string>(StringComparer.Ordinal);
        string? name = null;
        var body = new List<string>();
        foreach (var line in listing.Split('\n'))
        {
            if (line.StartsWith('\t') && !line.StartsWith("\t\t", StringComparison.Ordinal) && line.TrimEnd().EndsWith('{'))
            {
                name = line.Trim();
                body = [];
            }
            else if (line == "\t}" && name is not null)
            {
                blocks[name] = name.StartsWith("chain", StringComparison.Ordinal)
                    ? string.Join("\n", body)
                    : string.Join("\n", body.SelectMany(l => l.Replace("elements = {", "", StringComparison.Ordinal).TrimEnd('}').Split(',')).Select(e => e.Trim()).Where(e => e.Length > 0).Order(StringComparer.Ordinal));
                name = null;
            }
            else if (name is not null)
            {
                body.Add(line.Trim());
            }
        }

        return blocks;
    }
}
