using Skiff.Controllers.NodeIpam;

namespace Skiff.Controllers.Tests.NodeIpam;

public class CidrAllocatorTests
{
    [Fact]
    public void Allocate_gives_the_lowest_free_24_and_reuses_a_released_one()
    {
        var allocator = new CidrAllocator("10.42.0.0/16", 24);
        Assert.Equal(256, allocator.Capacity);
        Assert.Equal("10.42.0.0/24", allocator.Allocate(new HashSet<string>()));
        Assert.Equal("10.42.2.0/24", allocator.Allocate(new HashSet<string> { "10.42.0.0/24", "10.42.1.0/24" }));
        Assert.Equal("10.42.1.0/24", allocator.Allocate(new HashSet<string> { "10.42.0.0/24", "10.42.2.0/24" }));
        Assert.Equal("10.42.255.0/24", allocator.Subnet(255));
    }

    [Fact]
    public void Allocate_returns_null_when_full()
    {
        var allocator = new CidrAllocator("10.42.0.0/23", 24);
        Assert.Null(allocator.Allocate(new HashSet<string> { "10.42.0.0/24", "10.42.1.0/24" }));
    }

    [Fact]
    public void Bad_cluster_cidr_is_rejected() =>
        Assert.Throws<ArgumentException>(() => new CidrAllocator("10.42.0.0/25", 24));
}
