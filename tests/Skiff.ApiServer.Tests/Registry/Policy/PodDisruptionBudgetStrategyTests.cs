using k8s.Models;
using Skiff.ApiServer.Registry.Policy.PodDisruptionBudgets;

namespace Skiff.ApiServer.Tests.Registry.Policy;

public class PodDisruptionBudgetStrategyTests
{
    private readonly PodDisruptionBudgetStrategy _strategy = Strategies.For<PodDisruptionBudgetStrategy, V1PodDisruptionBudget>();

    [Fact]
    public void Create_BothSet_Invalid()
    {
        var pdb = new V1PodDisruptionBudget { Metadata = new V1ObjectMeta { Name = "p" }, Spec = new V1PodDisruptionBudgetSpec { MinAvailable = 1, MaxUnavailable = "50%", Selector = Strategies.Selector() } };
        var e = Assert.Single(Strategies.Create(_strategy, pdb));
        Assert.Equal("spec", e.Field);
        Assert.Equal("minAvailable and maxUnavailable cannot be both set", e.Detail);
    }

    [Fact]
    public void Create_BadPercent_Invalid()
    {
        var pdb = new V1PodDisruptionBudget { Metadata = new V1ObjectMeta { Name = "p" }, Spec = new V1PodDisruptionBudgetSpec { MinAvailable = "120%" } };
        Assert.Equal("spec.minAvailable: Invalid value: \"120%\": must not be greater than 100%", Assert.Single(Strategies.Create(_strategy, pdb)).ToString());
    }

    [Fact]
    public void Create_ZeroStatusAndTable()
    {
        var pdb = new V1PodDisruptionBudget { Metadata = new V1ObjectMeta { Name = "p", CreationTimestamp = Strategies.Now.AddDays(-1) }, Spec = new V1PodDisruptionBudgetSpec { MaxUnavailable = 1, Selector = Strategies.Selector() } };
        Assert.Empty(Strategies.Create(_strategy, pdb));
        Assert.Equal(0, pdb.Status.DisruptionsAllowed);
        Assert.True(_strategy.TracksGeneration);
        Assert.Equal(["Name", "Min Available", "Max Unavailable", "Allowed Disruptions", "Age"], _strategy.Table.Columns.Select(c => c.Name));
        Assert.Equal<object?>(["p", "N/A", "1", 0L, "24h"], _strategy.Table.Cells(pdb, Strategies.Now));
    }
}
