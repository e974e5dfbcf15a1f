using k8s.Models;
using Skiff.Controllers.ReplicaSet;

namespace Skiff.Controllers.Tests.ReplicaSet;

public sealed class PodDeletionRankingTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 12, 0, 0, DateTimeKind.Utc);

    private static V1Pod Pod(string name, string? node = null, string phase = "Running", bool ready = false, int restarts = 0, int ageMinutes = 60, int readyMinutes = 30) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, CreationTimestamp = Now.AddMinutes(-ageMinutes) },
        Spec = new V1PodSpec { NodeName = node },
        Status = new V1PodStatus
        {
            Phase = phase,
            Conditions = ready ? [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = Now.AddMinutes(-readyMinutes) }] : null,
            ContainerStatuses = [new V1ContainerStatus { Name = "c", RestartCount = restarts, Image = "i", ImageID = "", Ready = ready }],
        },
    };

    public static TheoryData<string, V1Pod, V1Pod> Cases => new()
    {
        { "unscheduled before scheduled", Pod("a"), Pod("b", node: "n", ready: true) },
        { "pending before running", Pod("a", node: "n1", phase: "Pending"), Pod("b", node: "n2") },
        { "not ready before ready", Pod("a", node: "n1"), Pod("b", node: "n2", ready: true) },
        { "recently ready before long ready", Pod("a", node: "n1", ready: true, readyMinutes: 1), Pod("b", node: "n2", ready: true, readyMinutes: 50) },
        { "more restarts first", Pod("a", node: "n1", ready: true, restarts: 5), Pod("b", node: "n2", ready: true) },
        { "newer before older", Pod("a", node: "n1", ready: true, ageMinutes: 5), Pod("b", node: "n2", ready: true) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compare_RanksFirstPodForDeletionFirst(string rule, V1Pod first, V1Pod second)
    {
        Assert.True(PodDeletionRanking.Compare(first, second, _ => 1) < 0, rule);
        Assert.True(PodDeletionRanking.Compare(second, first, _ => 1) > 0, rule);
    }

    [Fact]
    public void PodsToDelete_PrefersPodsDoubledUpOnANode()
    {
        var lone = Pod("lone", node: "n1", ready: true);
        var twinA = Pod("twin-a", node: "n2", ready: true);
        var twinB = Pod("twin-b", node: "n2", ready: true);
        var victims = PodDeletionRanking.PodsToDelete([lone, twinA, twinB], 1);
        Assert.StartsWith("twin", Assert.Single(victims).Metadata.Name);
    }
}
