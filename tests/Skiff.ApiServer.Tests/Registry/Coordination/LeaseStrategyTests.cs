using k8s.Models;
using Skiff.ApiServer.Registry.Coordination.Leases;

namespace Skiff.ApiServer.Tests.Registry.Coordination;

public class LeaseStrategyTests
{
    private readonly LeaseStrategy _strategy = Strategies.For<LeaseStrategy, V1Lease>();

    [Fact]
    public void Create_ZeroDuration_Invalid()
    {
        var lease = new V1Lease { Metadata = new V1ObjectMeta { Name = "l" }, Spec = new V1LeaseSpec { LeaseDurationSeconds = 0 } };
        Assert.Equal("spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0", Assert.Single(Strategies.Create(_strategy, lease)).ToString());
    }

    [Fact]
    public void Table_Cells_Holder()
    {
        var lease = new V1Lease { Metadata = new V1ObjectMeta { Name = "kube-scheduler", CreationTimestamp = Strategies.Now.AddMinutes(-7) }, Spec = new V1LeaseSpec { HolderIdentity = "node-1_abc" } };
        Assert.Equal(["Name", "Holder", "Age"], _strategy.Table.Columns.Select(c => c.Name));
        Assert.Equal<object?>(["kube-scheduler", "node-1_abc", "7m"], _strategy.Table.Cells(lease, Strategies.Now));
    }
}
