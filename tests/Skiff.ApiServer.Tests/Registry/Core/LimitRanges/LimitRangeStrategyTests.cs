using k8s.Models;
using Skiff.ApiServer.Registry.Core.LimitRanges;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.LimitRanges;

public sealed class LimitRangeStrategyTests
{
    private static LimitRangeStrategy Strategy() => Bind<LimitRangeStrategy, V1LimitRange>(new LimitRangeStrategy());

    [Fact]
    public void Default_ContainerMaxOnly_DefaultAndDefaultRequestFromMax()
    {
        var lr = new V1LimitRange
        {
            Metadata = Meta("limits"),
            Spec = new V1LimitRangeSpec { Limits = [new V1LimitRangeItem { Type = "Container", Max = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("2") } }] },
        };

        Assert.Empty(Create(Strategy(), lr));
        Assert.Equal("2", lr.Spec.Limits[0].DefaultProperty["cpu"].ToString());
        Assert.Equal("2", lr.Spec.Limits[0].DefaultRequest["cpu"].ToString());
    }

    [Fact]
    public void Validate_MinAboveMax_Invalid()
    {
        var lr = new V1LimitRange
        {
            Metadata = Meta("limits"),
            Spec = new V1LimitRangeSpec
            {
                Limits =
                [
                    new V1LimitRangeItem
                    {
                        Type = "Pod",
                        Min = new Dictionary<string, ResourceQuantity> { ["memory"] = new("2Gi") },
                        Max = new Dictionary<string, ResourceQuantity> { ["memory"] = new("1Gi") },
                    },
                ],
            },
        };

        Assert.Contains("spec.limits[0].min[memory]: Invalid value: \"2Gi\": min value 2Gi is greater than max value 1Gi", Messages(Create(Strategy(), lr)));
    }

    [Fact]
    public void Table_LimitRange_DefaultNameAndCreatedAt() =>
        Assert.Equal(["Name", "Created At"], Strategy().Table.Columns.Select(c => c.Name));
}
