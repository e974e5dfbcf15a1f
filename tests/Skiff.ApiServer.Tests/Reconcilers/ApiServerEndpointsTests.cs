using System.Net;
using k8s.Models;
using Skiff.ApiServer.Reconcilers;

namespace Skiff.ApiServer.Tests.Reconcilers;

public sealed class ApiServerEndpointsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 5, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Live_CountsLeasesRenewedWithinTheTtl_SortedByAddress()
    {
        var leases = new[]
        {
            Lease("b", "192.0.2.2:6443", Now.AddSeconds(-3)),
            Lease("a", "192.0.2.1:6443", Now.AddSeconds(-14)),
            Lease("stale", "192.0.2.3:6443", Now.AddSeconds(-16)),
        };

        var live = ApiServerEndpoints.Live(leases, Now);

        Assert.Equal(["192.0.2.1:6443", "192.0.2.2:6443"], live.Select(e => e.ToString()));
    }

    [Fact]
    public void Live_IgnoresLeasesWithoutTheIdentityLabelAnAddressOrBeingDeleted()
    {
        var noLabel = Lease("x", "192.0.2.1:6443", Now);
        noLabel.Metadata.Labels.Clear();
        var noAddress = Lease("y", null, Now);
        var deleting = Lease("z", "192.0.2.3:6443", Now);
        deleting.Metadata.DeletionTimestamp = Now.UtcDateTime;
        var garbage = Lease("w", "not-an-endpoint", Now);

        Assert.Empty(ApiServerEndpoints.Live([noLabel, noAddress, deleting, garbage], Now));
    }

    [Fact]
    public void Endpoints_OneSubsetPerPort_AndEmptyWhenNoServerIsLive()
    {
        var live = new[] { IPEndPoint.Parse("192.0.2.1:6443"), IPEndPoint.Parse("192.0.2.2:6443"), IPEndPoint.Parse("192.0.2.3:7443") };

        var endpoints = ApiServerEndpoints.Endpoints(live);

        Assert.Equal("kubernetes", endpoints.Metadata.Name);
        Assert.Equal("default", endpoints.Metadata.NamespaceProperty);
        Assert.Equal(2, endpoints.Subsets.Count);
        Assert.Equal(["192.0.2.1", "192.0.2.2"], endpoints.Subsets[0].Addresses.Select(a => a.Ip));
        Assert.Equal(6443, endpoints.Subsets[0].Ports.Single().Port);
        Assert.Equal("https", endpoints.Subsets[0].Ports.Single().Name);
        Assert.Equal(["192.0.2.3"], endpoints.Subsets[1].Addresses.Select(a => a.Ip));
        Assert.Null(ApiServerEndpoints.Endpoints([]).Subsets);
    }

    [Fact]
    public void Slice_CarriesTheServersOnTheMostUsedPort()
    {
        var live = new[] { IPEndPoint.Parse("192.0.2.1:6443"), IPEndPoint.Parse("192.0.2.2:6443"), IPEndPoint.Parse("192.0.2.3:7443") };

        var slice = ApiServerEndpoints.Slice(live);

        Assert.Equal("kubernetes", slice.Metadata.Labels["kubernetes.io/service-name"]);
        Assert.Equal(["192.0.2.1", "192.0.2.2"], slice.Endpoints.Select(e => e.Addresses.Single()));
        Assert.All(slice.Endpoints, e => Assert.True(e.Conditions.Ready));
        Assert.Equal(6443, slice.Ports.Single().Port);
        Assert.Empty(ApiServerEndpoints.Slice([]).Endpoints);
    }

    [Fact]
    public void SameAddresses_ComparesOnlyWhatTheReconcilerOwns()
    {
        var a = ApiServerEndpoints.Endpoints([IPEndPoint.Parse("192.0.2.1:6443")]);
        var b = ApiServerEndpoints.Endpoints([IPEndPoint.Parse("192.0.2.1:6443")]);
        b.Metadata.ResourceVersion = "42";
        var c = ApiServerEndpoints.Endpoints([IPEndPoint.Parse("192.0.2.1:6443"), IPEndPoint.Parse("192.0.2.2:6443")]);

        Assert.True(ApiServerEndpoints.SameAddresses(a, b));
        Assert.False(ApiServerEndpoints.SameAddresses(a, c));
        Assert.False(ApiServerEndpoints.SameAddresses(ApiServerEndpoints.Slice([IPEndPoint.Parse("192.0.2.1:6443")]), ApiServerEndpoints.Slice([])));
    }

    private static V1Lease Lease(string name, string? endpoint, DateTimeOffset renewed) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "apiserver-" + name,
            NamespaceProperty = "kube-system",
            Labels = new Dictionary<string, string> { [ApiServerEndpoints.IdentityLabel] = ApiServerEndpoints.IdentityValue },
            Annotations = endpoint is null ? null : new Dictionary<string, string> { [ApiServerEndpoints.EndpointAnnotation] = endpoint },
        },
        Spec = new V1LeaseSpec { HolderIdentity = "apiserver-" + name + "_x", LeaseDurationSeconds = 3600, RenewTime = renewed.UtcDateTime },
    };
}
