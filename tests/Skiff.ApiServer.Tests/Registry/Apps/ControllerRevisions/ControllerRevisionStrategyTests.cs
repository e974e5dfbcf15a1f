using k8s.Models;
using Skiff.ApiServer.Registry.Apps.ControllerRevisions;

namespace Skiff.ApiServer.Tests.Registry.Apps.ControllerRevisions;

public class ControllerRevisionStrategyTests
{
    private readonly ControllerRevisionStrategy _strategy = Strategies.For<ControllerRevisionStrategy, V1ControllerRevision>();

    [Fact]
    public void Create_NoData_Required() =>
        Assert.Equal("data: Required value: data is mandatory", Assert.Single(Strategies.Create(_strategy, new V1ControllerRevision { Metadata = new V1ObjectMeta { Name = "r" }, Revision = 1 })).ToString());

    [Fact]
    public void Update_DataChanged_Immutable()
    {
        var old = new V1ControllerRevision { Metadata = new V1ObjectMeta { Name = "r" }, Revision = 1, Data = new Dictionary<string, object> { ["a"] = 1 } };
        var updated = Strategies.Copy(old);
        updated.Data = new Dictionary<string, object> { ["a"] = 2 };
        Assert.Contains(Strategies.Update(_strategy, updated, old), e => e.Field == "data" && e.Detail == "field is immutable");
    }

    [Fact]
    public void Table_Cells_ControllerKindGroupName()
    {
        var rev = new V1ControllerRevision
        {
            Metadata = new V1ObjectMeta
            {
                Name = "agent-6d4b",
                CreationTimestamp = Strategies.Now.AddMinutes(-1),
                OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "DaemonSet", Name = "agent", Controller = true, Uid = "u" }],
            },
            Revision = 2,
        };
        Assert.Equal<object?>(["agent-6d4b", "daemonset.apps/agent", 2L, "60s"], new ControllerRevisionTable().Cells(rev, Strategies.Now));
        rev.Metadata.OwnerReferences = null;
        Assert.Equal("<none>", new ControllerRevisionTable().Cells(rev, Strategies.Now)[1]);
    }
}
