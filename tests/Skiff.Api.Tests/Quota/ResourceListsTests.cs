using k8s.Models;
using Skiff.Api.Quota;

namespace Skiff.Api.Tests.Quota;

public sealed class ResourceListsTests
{
    private static Dictionary<string, ResourceQuantity> L(params (string Name, string Value)[] items) =>
        items.ToDictionary(i => i.Name, i => new ResourceQuantity(i.Value));

    [Fact]
    public void Add_KeepsTheLeftFormat_ZeroTakesTheRightOne()
    {
        Assert.Equal("1536Mi", ResourceLists.Add(L(("memory", "1Gi")), L(("memory", "512Mi")))["memory"].ToString());
        Assert.Equal("256Mi", ResourceLists.Add(L(("memory", "0")), L(("memory", "256Mi")))["memory"].ToString());
        Assert.Equal("1500m", ResourceLists.Add(L(("cpu", "1")), L(("cpu", "500m")))["cpu"].ToString());
        Assert.Equal("2", ResourceLists.Add(L(("pods", "1")), L(("pods", "1"), ("services", "0")))["pods"].ToString());
    }

    [Fact]
    public void Subtract_ClampsAtZero()
    {
        Assert.Equal("0", ResourceLists.Subtract(L(("pods", "1")), L(("pods", "2")))["pods"].ToString());
        Assert.Equal("512Mi", ResourceLists.Subtract(L(("memory", "1Gi")), L(("memory", "512Mi")))["memory"].ToString());
    }

    [Fact]
    public void Exceeding_NamesOnlyResourcesOverTheLimit()
    {
        Assert.Equal(["pods"], ResourceLists.Exceeding(L(("pods", "3"), ("cpu", "1")), L(("pods", "2"), ("cpu", "2"))));
        Assert.Empty(ResourceLists.Exceeding(L(("pods", "2")), L(("pods", "2"))));
    }

    [Fact]
    public void PrettyPrint_SortedNameValuePairs()
    {
        Assert.Equal("pods=1,requests.cpu=500m", ResourceLists.PrettyPrint(L(("requests.cpu", "500m"), ("pods", "1"))));
    }

    [Fact]
    public void Equal_ComparesAmountsNotSpelling()
    {
        Assert.True(ResourceLists.Equal(L(("cpu", "1000m")), L(("cpu", "1"))));
        Assert.False(ResourceLists.Equal(L(("cpu", "1")), L(("cpu", "1"), ("pods", "0"))));
    }
}
