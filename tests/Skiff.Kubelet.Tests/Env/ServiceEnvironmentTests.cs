using k8s.Models;
using Skiff.Kubelet.Env;

namespace Skiff.Kubelet.Tests.Env;

public class ServiceEnvironmentTests
{
    private static V1Service Svc(string ns, string name, string? ip, params V1ServicePort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec { ClusterIP = ip, Ports = ports },
    };

    [Fact]
    public void Build_produces_kubelet_variables_for_a_service()
    {
        var env = ServiceEnvironment.Build(
            [Svc("shop", "my-db", "10.43.0.20", new V1ServicePort { Port = 5432 }, new V1ServicePort { Name = "metrics-http", Port = 9187, Protocol = "TCP" }, new V1ServicePort { Name = "dns", Port = 53, Protocol = "UDP" })],
            "shop", null);
        var expected = new Dictionary<string, string>
        {
            ["MY_DB_SERVICE_HOST"] = "10.43.0.20",
            ["MY_DB_SERVICE_PORT"] = "5432",
            ["MY_DB_SERVICE_PORT_METRICS_HTTP"] = "9187",
            ["MY_DB_SERVICE_PORT_DNS"] = "53",
            ["MY_DB_PORT"] = "tcp://10.43.0.20:5432",
            ["MY_DB_PORT_5432_TCP"] = "tcp://10.43.0.20:5432",
            ["MY_DB_PORT_5432_TCP_PROTO"] = "tcp",
            ["MY_DB_PORT_5432_TCP_PORT"] = "5432",
            ["MY_DB_PORT_5432_TCP_ADDR"] = "10.43.0.20",
            ["MY_DB_PORT_9187_TCP"] = "tcp://10.43.0.20:9187",
            ["MY_DB_PORT_9187_TCP_PROTO"] = "tcp",
            ["MY_DB_PORT_9187_TCP_PORT"] = "9187",
            ["MY_DB_PORT_9187_TCP_ADDR"] = "10.43.0.20",
            ["MY_DB_PORT_53_UDP"] = "udp://10.43.0.20:53",
            ["MY_DB_PORT_53_UDP_PROTO"] = "udp",
            ["MY_DB_PORT_53_UDP_PORT"] = "53",
            ["MY_DB_PORT_53_UDP_ADDR"] = "10.43.0.20",
        };
        Assert.Equal(expected.OrderBy(kv => kv.Key), env.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void Build_selects_services_like_the_kubelet()
    {
        var services = new[]
        {
            Svc("default", "kubernetes", "10.43.0.1", new V1ServicePort { Name = "https", Port = 443 }),
            Svc("shop", "web", "10.43.0.30", new V1ServicePort { Port = 80 }),
            Svc("shop", "headless", "None", new V1ServicePort { Port = 80 }),
            Svc("shop", "noip", null, new V1ServicePort { Port = 80 }),
            Svc("other", "elsewhere", "10.43.0.40", new V1ServicePort { Port = 80 }),
            Svc("default", "web2", "10.43.0.50", new V1ServicePort { Port = 80 }),
        };
        var on = ServiceEnvironment.Build(services, "shop", true);
        Assert.Equal("10.43.0.1", on["KUBERNETES_SERVICE_HOST"]);
        Assert.Equal("443", on["KUBERNETES_SERVICE_PORT_HTTPS"]);
        Assert.Equal("10.43.0.30", on["WEB_SERVICE_HOST"]);
        Assert.DoesNotContain(on.Keys, k => k.StartsWith("HEADLESS", StringComparison.Ordinal) || k.StartsWith("NOIP", StringComparison.Ordinal)
            || k.StartsWith("ELSEWHERE", StringComparison.Ordinal) || k.StartsWith("WEB2", StringComparison.Ordinal));

        // enableServiceLinks: false keeps only the master service.
        var off = ServiceEnvironment.Build(services, "shop", false);
        Assert.All(off.Keys, k => Assert.StartsWith("KUBERNETES_", k));
        Assert.Equal("tcp://10.43.0.1:443", off["KUBERNETES_PORT"]);

        // A "kubernetes" Service in the pod's own namespace wins over the master one.
        var own = ServiceEnvironment.Build([.. services, Svc("shop", "kubernetes", "10.43.0.99", new V1ServicePort { Port = 8443 })], "shop", true);
        Assert.Equal("10.43.0.99", own["KUBERNETES_SERVICE_HOST"]);
    }

    [Fact]
    public void Build_brackets_ipv6_cluster_ips_in_urls()
    {
        var env = ServiceEnvironment.Build([Svc("shop", "v6", "fd00:43::10", new V1ServicePort { Port = 80 })], "shop", true);
        Assert.Equal("tcp://[fd00:43::10]:80", env["V6_PORT"]);
        Assert.Equal("fd00:43::10", env["V6_PORT_80_TCP_ADDR"]);
    }
}
