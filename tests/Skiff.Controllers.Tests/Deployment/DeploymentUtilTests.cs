using k8s.Models;
using Skiff.Controllers.Deployment;

namespace Skiff.Controllers.Tests.Deployment;

public sealed class DeploymentUtilTests
{
    private static V1Deployment D(int replicas, string? surge = null, string? unavailable = null, string type = "RollingUpdate") => new()
    {
        Metadata = new V1ObjectMeta { Name = "d", NamespaceProperty = "ns", Generation = 1 },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Strategy = new V1DeploymentStrategy
            {
                Type = type,
                RollingUpdate = type == "RollingUpdate" ? new V1RollingUpdateDeployment { MaxSurge = surge, MaxUnavailable = unavailable } : null,
            },
            Template = Template("img"),
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "d" } },
        },
    };

    private static V1PodTemplateSpec Template(string image) => new()
    {
        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "d" } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = image }] },
    };

    internal static V1ReplicaSet Rs(string name, int replicas, int available, int ageMinutes = 10) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, CreationTimestamp = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(-ageMinutes) },
        Spec = new V1ReplicaSetSpec { Replicas = replicas },
        Status = new V1ReplicaSetStatus { Replicas = replicas, AvailableReplicas = available },
    };

    [Theory]
    [InlineData(10, "25%", "25%", 3, 2)]
    [InlineData(4, "1", "1", 1, 1)]
    [InlineData(3, "0", "0", 0, 1)]
    [InlineData(1, "25%", "25%", 1, 0)]
    [InlineData(10, null, null, 3, 2)]
    public void Fenceposts_SurgeRoundsUp_UnavailableRoundsDown(int replicas, string? surge, string? unavailable, int expectedSurge, int expectedUnavailable)
    {
        Assert.Equal((expectedSurge, expectedUnavailable), DeploymentUtil.Fenceposts(D(replicas, surge, unavailable)));
    }

    [Theory]
    // replicas, maxSurge, new RS size, old RS size, expected new size
    [InlineData(4, "1", 0, 4, 1)]
    [InlineData(4, "1", 1, 4, 1)]
    [InlineData(4, "1", 1, 3, 2)]
    [InlineData(4, "2", 0, 4, 2)]
    [InlineData(4, "1", 4, 0, 4)]
    public void NewRSNewReplicas_GrowsWithinSurge(int replicas, string surge, int newSize, int oldSize, int expected)
    {
        var d = D(replicas, surge, "1");
        var newRs = Rs("new", newSize, 0);
        Assert.Equal(expected, DeploymentUtil.NewRSNewReplicas(d, [newRs, Rs("old", oldSize, oldSize)], newRs));
    }

    [Fact]
    public void NewRSNewReplicas_Recreate_IsTheFullCount()
    {
        var d = D(5, type: "Recreate");
        var newRs = Rs("new", 0, 0);
        Assert.Equal(5, DeploymentUtil.NewRSNewReplicas(d, [newRs, Rs("old", 5, 5)], newRs));
    }

    [Fact]
    public void ComputeHash_IsStable_AndChangesWithTemplateAndCollisionCount()
    {
        var a = DeploymentUtil.ComputeHash(Template("img"), null);
        Assert.Equal(a, DeploymentUtil.ComputeHash(Template("img"), null));
        Assert.NotEqual(a, DeploymentUtil.ComputeHash(Template("img2"), null));
        Assert.NotEqual(a, DeploymentUtil.ComputeHash(Template("img"), 1));
        Assert.Matches("^[bcdfghjklmnpqrstvwxz2456789]+$", a);
    }

    [Fact]
    public void EqualIgnoreHash_IgnoresTheHashLabel_AndEmptyFields()
    {
        var withHash = Template("img");
        withHash.Metadata.Labels["pod-template-hash"] = "abc";
        var withEmptyResources = Template("img");
        withEmptyResources.Spec.Containers[0].Resources = new V1ResourceRequirements();
        Assert.True(DeploymentUtil.EqualIgnoreHash(Template("img"), withHash));
        Assert.True(DeploymentUtil.EqualIgnoreHash(withEmptyResources, withHash));
        Assert.False(DeploymentUtil.EqualIgnoreHash(Template("img"), Template("other")));
    }

    [Fact]
    public void IsComplete_NeedsEveryReplicaUpdatedAvailable_AndTheGenerationObserved()
    {
        var d = D(3);
        Assert.True(DeploymentUtil.IsComplete(d, new V1DeploymentStatus { Replicas = 3, UpdatedReplicas = 3, AvailableReplicas = 3, ObservedGeneration = 1 }));
        Assert.False(DeploymentUtil.IsComplete(d, new V1DeploymentStatus { Replicas = 4, UpdatedReplicas = 3, AvailableReplicas = 3, ObservedGeneration = 1 }));
        Assert.False(DeploymentUtil.IsComplete(d, new V1DeploymentStatus { Replicas = 3, UpdatedReplicas = 3, AvailableReplicas = 3, ObservedGeneration = 0 }));
    }

    [Theory]
    // replicas=4, maxSurge=1, maxUnavailable=1; new RS (size, available); old RS (size, available) -> old RS new size (-1: unchanged)
    [InlineData(1, 0, 4, 4, 3)]
    [InlineData(1, 0, 3, 3, -1)]
    [InlineData(2, 2, 3, 3, 1)]
    [InlineData(1, 0, 4, 2, 3)]
    [InlineData(4, 4, 1, 1, 0)]
    public void PlanOldScaleDown_KeepsAvailabilityAboveTheMinimum(int newSize, int newAvailable, int oldSize, int oldAvailable, int expectedOld)
    {
        var d = D(4, "1", "1");
        var plan = DeploymentController.PlanOldScaleDown(d, Rs("new", newSize, newAvailable), [Rs("old", oldSize, oldAvailable)]);
        if (expectedOld < 0)
        {
            Assert.Empty(plan);
        }
        else
        {
            Assert.Equal(expectedOld, Assert.Single(plan).Size);
        }
    }

    [Fact]
    public void ProportionalSizes_SharesAScaleUpByExistingSize()
    {
        var d = D(20, "0", "1");
        var big = Rs("big", 8, 8, ageMinutes: 20);
        var small = Rs("small", 2, 2, ageMinutes: 5);
        big.Metadata.Annotations = new Dictionary<string, string> { ["deployment.kubernetes.io/max-replicas"] = "10" };
        small.Metadata.Annotations = new Dictionary<string, string> { ["deployment.kubernetes.io/max-replicas"] = "10" };
        var sizes = DeploymentController.ProportionalSizes(d, [big, small]).ToDictionary(s => s.Rs.Metadata.Name, s => s.Size);
        Assert.Equal(16, sizes["big"]);
        Assert.Equal(4, sizes["small"]);
    }
}
