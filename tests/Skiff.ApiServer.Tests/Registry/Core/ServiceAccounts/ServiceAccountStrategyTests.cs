using k8s.Models;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Registry.Core.ServiceAccounts;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.ServiceAccounts;

public sealed class ServiceAccountStrategyTests
{
    private static ServiceAccountStrategy Strategy() => Bind<ServiceAccountStrategy, V1ServiceAccount>(new ServiceAccountStrategy());

    [Fact]
    public void Create_ServiceAccount_Valid()
    {
        var sa = new V1ServiceAccount { Metadata = Meta("builder") };

        Assert.Empty(Create(Strategy(), sa));
        Assert.Equal(NameRule.DnsSubdomain, Strategy().NameRule);
    }

    [Fact]
    public void Table_ServiceAccount_NameSecretsAge()
    {
        var sa = new V1ServiceAccount { Metadata = Meta("builder"), Secrets = [new V1ObjectReference { Name = "builder-token" }] };

        Assert.Equal(["Name", "Secrets", "Age"], Strategy().Table.Columns.Select(c => c.Name));
        Assert.Equal(["builder", 1L, "5m"], Strategy().Table.Cells(sa, Now));
    }
}
