using k8s.Models;
using Skiff.ApiServer.Registry.Scheduling.PriorityClasses;

namespace Skiff.ApiServer.Tests.Registry.Scheduling;

public class PriorityClassStrategyTests
{
    private readonly PriorityClassStrategy _strategy = Strategies.For<PriorityClassStrategy, V1PriorityClass>();

    [Fact]
    public void Create_Defaults_PreemptLowerPriority()
    {
        var pc = new V1PriorityClass { Metadata = new V1ObjectMeta { Name = "high", CreationTimestamp = Strategies.Now.AddMinutes(-1) }, Value = 1000 };
        Assert.Empty(Strategies.Create(_strategy, pc));
        Assert.Equal("PreemptLowerPriority", pc.PreemptionPolicy);
        Assert.Equal(["Name", "Value", "Global-Default", "Age", "PreemptionPolicy"], _strategy.Table.Columns.Select(c => c.Name));
        Assert.Equal<object?>(["high", 1000L, false, "60s", "PreemptLowerPriority"], _strategy.Table.Cells(pc, Strategies.Now));
    }

    [Fact]
    public void Create_ValueTooHigh_Forbidden()
    {
        var pc = new V1PriorityClass { Metadata = new V1ObjectMeta { Name = "huge" }, Value = 1_000_000_001 };
        Assert.Equal("value: Forbidden: maximum allowed value of a user defined priority is 1000000000", Assert.Single(Strategies.Create(_strategy, pc)).ToString());
    }

    [Fact]
    public void Create_SystemPrefix_Reserved()
    {
        var pc = new V1PriorityClass { Metadata = new V1ObjectMeta { Name = "system-mine" }, Value = 1 };
        Assert.Equal("metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class", Assert.Single(Strategies.Create(_strategy, pc)).ToString());
        Assert.Empty(Strategies.Create(_strategy, new V1PriorityClass { Metadata = new V1ObjectMeta { Name = "system-node-critical" }, Value = 2_000_001_000 }));
    }

    [Fact]
    public void Update_ValueChanged_Forbidden()
    {
        var old = new V1PriorityClass { Metadata = new V1ObjectMeta { Name = "p" }, Value = 1 };
        Strategies.Create(_strategy, old);
        var updated = Strategies.Copy(old);
        updated.Value = 2;
        Assert.Equal("value: Forbidden: may not be changed in an update.", Assert.Single(Strategies.Update(_strategy, updated, old)).ToString());
    }
}
