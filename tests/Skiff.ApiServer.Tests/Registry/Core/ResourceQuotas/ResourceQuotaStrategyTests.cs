using k8s.Models;
using Skiff.ApiServer.Registry.Core.ResourceQuotas;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.ResourceQuotas;

public sealed class ResourceQuotaStrategyTests
{
    private static ResourceQuotaStrategy Strategy() => Bind<ResourceQuotaStrategy, V1ResourceQuota>(new ResourceQuotaStrategy());

    private static V1ResourceQuota Quota(string resource, string amount) => new()
    {
        Metadata = Meta("compute"),
        Spec = new V1ResourceQuotaSpec { Hard = new Dictionary<string, ResourceQuantity> { [resource] = new(amount) } },
    };

    [Fact]
    public void Create_Quota_EmptyStatus()
    {
        var quota = Quota("pods", "10");

        Assert.Empty(Create(Strategy(), quota));
        Assert.NotNull(quota.Status);
        Assert.Null(quota.Status.Hard);
    }

    [Fact]
    public void Validate_UnknownResource_NotStandard()
    {
        var errors = Create(Strategy(), Quota("gpus", "1"));

        Assert.Equal("spec.hard[gpus]: Invalid value: \"gpus\": must be a standard resource for quota", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Validate_FractionalPods_MustBeInteger()
    {
        var errors = Create(Strategy(), Quota("pods", "1500m"));

        Assert.Equal("spec.hard[pods]: Invalid value: \"1500m\": must be an integer", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Table_Quota_RequestAndLimitSplit()
    {
        var quota = Quota("pods", "10");
        quota.Status = new V1ResourceQuotaStatus
        {
            Hard = new Dictionary<string, ResourceQuantity> { ["pods"] = new("10"), ["limits.cpu"] = new("2"), ["requests.memory"] = new("1Gi") },
            Used = new Dictionary<string, ResourceQuantity> { ["pods"] = new("3"), ["limits.cpu"] = new("500m") },
        };

        Assert.Equal(["Name", "Request", "Limit", "Age"], ResourceQuotaTable.Instance.Columns.Select(c => c.Name));
        Assert.Equal(["compute", "pods: 3/10, requests.memory: 0/1Gi", "limits.cpu: 500m/2", "5m"], ResourceQuotaTable.Instance.Cells(quota, Now));
    }
}
