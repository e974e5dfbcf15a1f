using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using k8s.Models;
using Skiff.Dns.Cluster;
using static Skiff.Dns.Tests.Cluster.FakeDnsData;

namespace Skiff.Dns.Tests.Cluster;

public sealed class ClusterDnsResolverTests
{
    private readonly FakeDnsData _data = new();
    private readonly ClusterDnsResolver _resolver;

    public ClusterDnsResolverTests()
    {
        _data.Services.Add(Service("web", "10.43.0.20"));
        _data.Slices.Add(Slice("web", "default", 8080, Endpoint("10.42.0.5")));

        var headless = Service("db", "None");
        _data.Services.Add(headless);
        _data.Slices.Add(Slice("db", "default", 5432, Endpoint("10.42.0.7", hostname: "db-0"), Endpoint("10.42.0.8", hostname: "db-1"), Endpoint("10.42.0.9", hostname: "db-2", ready: false)));

        _data.Services.Add(Service("empty", "None"));

        var ext = Service("ext", "");
        ext.Spec.Type = "ExternalName";
        ext.Spec.ExternalName = "example.org";
        _data.Services.Add(ext);
        _resolver = new ClusterDnsResolver(_data);
    }

    private DnsAnswer Resolve(string name, RecordType type = RecordType.A) => _resolver.Resolve(DomainName.Parse(name), type);

    private static string[] Addresses(DnsAnswer answer) => [.. answer.Answers.OfType<ARecord>().Select(a => a.Address.ToString()).Order()];

    [Fact]
    public void Resolve_ClusterIPService_ARecordWithTtl5()
    {
        var answer = Resolve("web.default.svc.cluster.local");
        Assert.Equal(ReturnCode.NoError, answer.Code);
        var a = Assert.Single(answer.Answers.OfType<ARecord>());
        Assert.Equal("10.43.0.20", a.Address.ToString());
        Assert.Equal(5, a.TimeToLive);
    }

    [Fact]
    public void Resolve_IsCaseInsensitive()
    {
        Assert.Equal(["10.43.0.20"], Addresses(Resolve("WEB.Default.SVC.cluster.local")));
    }

    [Fact]
    public void Resolve_HeadlessService_ReadyEndpointAddresses()
    {
        Assert.Equal(["10.42.0.7", "10.42.0.8"], Addresses(Resolve("db.default.svc.cluster.local")));
    }

    [Fact]
    public void Resolve_HeadlessWithoutEndpoints_NoData()
    {
        var answer = Resolve("empty.default.svc.cluster.local");
        Assert.Equal(ReturnCode.NoError, answer.Code);
        Assert.Empty(answer.Answers);
        Assert.IsType<SoaRecord>(Assert.Single(answer.Authority));
    }

    [Fact]
    public void Resolve_EndpointHostname_StatefulSetPodRecord()
    {
        Assert.Equal(["10.42.0.8"], Addresses(Resolve("db-1.db.default.svc.cluster.local")));
        Assert.Equal(ReturnCode.NxDomain, Resolve("db-2.db.default.svc.cluster.local").Code);
        Assert.Equal(ReturnCode.NxDomain, Resolve("db-9.db.default.svc.cluster.local").Code);
    }

    [Fact]
    public void Resolve_MissingServiceOrNamespace_NxDomainWithSoa()
    {
        var answer = Resolve("nope.default.svc.cluster.local");
        Assert.Equal(ReturnCode.NxDomain, answer.Code);
        Assert.IsType<SoaRecord>(Assert.Single(answer.Authority));
        Assert.Equal(ReturnCode.NxDomain, Resolve("web.nons.svc.cluster.local").Code);
        Assert.Equal(ReturnCode.NxDomain, Resolve("nons.svc.cluster.local").Code);
        Assert.Equal(ReturnCode.NxDomain, Resolve("foo.cluster.local").Code);
    }

    [Fact]
    public void Resolve_SearchPathExpansion_NxDomain()
    {
        // A pod's resolver tries "web.default.svc.cluster.local" + each search domain before the bare name.
        Assert.Equal(ReturnCode.NxDomain, Resolve("web.default.svc.cluster.local.default.svc.cluster.local").Code);
        Assert.Equal(ReturnCode.NxDomain, Resolve("web.default.default.svc.cluster.local").Code);
        Assert.Equal(["10.43.0.20"], Addresses(Resolve("web.default.svc.cluster.local")));
    }

    [Fact]
    public void Resolve_ExistingNamesWithoutThatType_NoData()
    {
        Assert.Equal(ReturnCode.NoError, Resolve("web.default.svc.cluster.local", RecordType.Aaaa).Code);
        Assert.Empty(Resolve("web.default.svc.cluster.local", RecordType.Aaaa).Answers);
        Assert.Equal(ReturnCode.NoError, Resolve("default.svc.cluster.local").Code);
        Assert.Equal(ReturnCode.NoError, Resolve("svc.cluster.local").Code);
        Assert.Equal(ReturnCode.NoError, Resolve("cluster.local").Code);
        Assert.Empty(Resolve("default.svc.cluster.local").Answers);
    }

    [Fact]
    public void Resolve_ExternalName_Cname()
    {
        var cname = Assert.IsType<CNameRecord>(Assert.Single(Resolve("ext.default.svc.cluster.local").Answers));
        Assert.Equal("example.org.", cname.CanonicalName.ToString());
    }

    [Fact]
    public void Resolve_SrvForNamedPort_ClusterIPPointsAtService()
    {
        var answer = Resolve("_http._tcp.web.default.svc.cluster.local", RecordType.Srv);
        var srv = Assert.IsType<SrvRecord>(Assert.Single(answer.Answers));
        Assert.Equal(80, srv.Port);
        Assert.Equal("web.default.svc.cluster.local.", srv.Target.ToString());
        Assert.Equal("10.43.0.20", Assert.IsType<ARecord>(Assert.Single(answer.Additional)).Address.ToString());
        Assert.Equal(ReturnCode.NxDomain, Resolve("_grpc._tcp.web.default.svc.cluster.local", RecordType.Srv).Code);
        Assert.Equal(ReturnCode.NxDomain, Resolve("_http._udp.web.default.svc.cluster.local", RecordType.Srv).Code);
    }

    [Fact]
    public void Resolve_SrvOnHeadless_OneRecordPerEndpointWithEndpointPort()
    {
        var answer = Resolve("_http._tcp.db.default.svc.cluster.local", RecordType.Srv);
        var targets = answer.Answers.OfType<SrvRecord>().Select(s => (s.Target.ToString(), (int)s.Port)).Order().ToArray();
        Assert.Equal([("db-0.db.default.svc.cluster.local.", 5432), ("db-1.db.default.svc.cluster.local.", 5432)], targets);
    }

    [Fact]
    public void Resolve_PodDashedIP_ARecord()
    {
        Assert.Equal(["10.42.3.4"], Addresses(Resolve("10-42-3-4.default.pod.cluster.local")));
        Assert.Equal(ReturnCode.NxDomain, Resolve("10-42-3.default.pod.cluster.local").Code);
    }

    [Fact]
    public void Resolve_Ptr_ServiceAndEndpoint()
    {
        var svc = Assert.IsType<PtrRecord>(Assert.Single(Resolve("20.0.43.10.in-addr.arpa", RecordType.Ptr).Answers));
        Assert.Equal("web.default.svc.cluster.local.", svc.PointerDomainName.ToString());
        var ep = Assert.IsType<PtrRecord>(Assert.Single(Resolve("7.0.42.10.in-addr.arpa", RecordType.Ptr).Answers));
        Assert.Equal("db-0.db.default.svc.cluster.local.", ep.PointerDomainName.ToString());
        var unnamed = Assert.IsType<PtrRecord>(Assert.Single(Resolve("5.0.42.10.in-addr.arpa", RecordType.Ptr).Answers));
        Assert.Equal("10-42-0-5.web.default.svc.cluster.local.", unnamed.PointerDomainName.ToString());
    }

    [Fact]
    public void Resolve_OutsideZoneOrUnknownReverse_Forwarded()
    {
        Assert.True(Resolve("example.org").IsForward);
        Assert.True(Resolve("web.default").IsForward);
        Assert.True(Resolve("1.1.168.192.in-addr.arpa", RecordType.Ptr).IsForward);
    }

    [Fact]
    public void Resolve_ServiceDeleted_NxDomain()
    {
        _data.Services.RemoveAll(s => s.Metadata.Name == "web");
        Assert.Equal(ReturnCode.NxDomain, Resolve("web.default.svc.cluster.local").Code);
    }
}
