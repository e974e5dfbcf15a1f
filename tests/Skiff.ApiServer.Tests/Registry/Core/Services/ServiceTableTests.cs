using k8s.Models;
using Skiff.ApiServer.Registry.Core.Services;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.Services;

public sealed class ServiceTableTests
{
    private static V1Service Service(string type, params V1ServicePort[] ports) => new()
    {
        Metadata = Meta("web"),
        Spec = new V1ServiceSpec { Type = type, ClusterIP = "10.43.0.20", ClusterIPs = ["10.43.0.20"], Ports = ports },
        Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus() },
    };

    [Fact]
    public void Columns_MatchKubeApiserverPrinter()
    {
        Assert.Equal(["Name", "Type", "Cluster-IP", "External-IP", "Port(s)", "Age", "Selector"], ServiceTable.Instance.Columns.Select(c => c.Name));
        Assert.Equal(1, ServiceTable.Instance.Columns[^1].Priority);
    }

    [Fact]
    public void Cells_ClusterIp_NoneConventions()
    {
        var cells = ServiceTable.Instance.Cells(Service("ClusterIP", new V1ServicePort { Port = 80, Protocol = "TCP" }), Now);

        Assert.Equal(["web", "ClusterIP", "10.43.0.20", "<none>", "80/TCP", "5m", "<none>"], cells);
    }

    [Fact]
    public void Cells_NodePort_PortColonNodePort()
    {
        var svc = Service("NodePort", new V1ServicePort { Port = 80, NodePort = 30080, Protocol = "TCP" }, new V1ServicePort { Port = 53, Protocol = "UDP" });
        svc.Spec.Selector = new Dictionary<string, string> { ["tier"] = "web", ["app"] = "shop" };

        var cells = ServiceTable.Instance.Cells(svc, Now);

        Assert.Equal("80:30080/TCP,53/UDP", cells[4]);
        Assert.Equal("app=shop,tier=web", cells[6]);
    }

    [Fact]
    public void Cells_LoadBalancerWithoutIngress_Pending()
    {
        var cells = ServiceTable.Instance.Cells(Service("LoadBalancer", new V1ServicePort { Port = 80, NodePort = 31000, Protocol = "TCP" }), Now);

        Assert.Equal("<pending>", cells[3]);
    }

    [Fact]
    public void Cells_LoadBalancerWithIngress_IngressIps()
    {
        var svc = Service("LoadBalancer", new V1ServicePort { Port = 80, Protocol = "TCP" });
        svc.Status.LoadBalancer.Ingress = [new V1LoadBalancerIngress { Ip = "192.168.1.10" }];

        Assert.Equal("192.168.1.10", ServiceTable.Instance.Cells(svc, Now)[3]);
    }

    [Fact]
    public void Cells_ExternalName_NameAsExternalIpAndNoClusterIp()
    {
        var svc = new V1Service
        {
            Metadata = Meta("db"),
            Spec = new V1ServiceSpec { Type = "ExternalName", ExternalName = "db.example.com" },
        };

        var cells = ServiceTable.Instance.Cells(svc, Now);

        Assert.Equal("<none>", cells[2]);
        Assert.Equal("db.example.com", cells[3]);
        Assert.Equal("<none>", cells[4]);
    }
}
