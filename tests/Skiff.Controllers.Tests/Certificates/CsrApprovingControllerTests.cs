using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.Certificates;
using static Skiff.Controllers.Tests.Certificates.CsrTestRequests;

namespace Skiff.Controllers.Tests.Certificates;

public sealed class CsrApprovingControllerTests
{
    private static readonly ApiResource Csrs = new("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", false);
    private const string KubeletClient = "kubernetes.io/kube-apiserver-client-kubelet";
    private static readonly string[] ClientUsages = ["digital signature", "client auth"];

    private readonly FakeTimeProvider _time = new();
    private readonly FakeInformer<V1CertificateSigningRequest> _informer = new();
    private readonly FakeResourceClient<V1CertificateSigningRequest> _client = new(Csrs);
    private readonly Reviews _reviews = new();
    private readonly CsrApprovingController _controller;

    public CsrApprovingControllerTests()
    {
        _controller = new CsrApprovingController(_informer, _client, _reviews, _time, NullLogger.Instance);
    }

    private void Add(V1CertificateSigningRequest csr) => _informer.Add(_client.Seed(csr));

    [Fact]
    public void Recognize_BootstrapRequestForANode_IsNodeclient() =>
        Assert.Equal("nodeclient", CsrApprovingController.Recognize(Csr("a", "system:node:w1", ["system:nodes"], KubeletClient, ClientUsages, "system:bootstrap:abcdef")));

    [Fact]
    public void Recognize_NodeRenewingItsOwnIdentity_IsSelfnodeclient() =>
        Assert.Equal("selfnodeclient", CsrApprovingController.Recognize(Csr("a", "system:node:w1", ["system:nodes"], KubeletClient, ClientUsages, "system:node:w1")));

    public static TheoryData<string, string[], string, string[]> NotKubeletClient => new()
    {
        { "system:node:w1", ["system:masters"], KubeletClient, ClientUsages },
        { "admin", ["system:nodes"], KubeletClient, ClientUsages },
        { "system:node:w1", ["system:nodes"], KubeletClient, ["digital signature", "server auth"] },
        { "system:node:w1", ["system:nodes"], "kubernetes.io/kubelet-serving", ["digital signature", "server auth"] },
    };

    [Theory]
    [MemberData(nameof(NotKubeletClient))]
    public void Recognize_AnythingElse_IsNotAutoApproved(string cn, string[] orgs, string signer, string[] usages) =>
        Assert.Null(CsrApprovingController.Recognize(Csr("a", cn, orgs, signer, usages, "system:bootstrap:abcdef")));

    [Theory]
    [InlineData("system:kube-proxy")]
    [InlineData("system:skiff-dns")]
    public void Recognize_NodeAskingForItsProxyOrDnsIdentity_IsNodecomponentclient(string user) =>
        Assert.Equal("nodecomponentclient", CsrApprovingController.Recognize(
            Csr("a", user, [], "kubernetes.io/kube-apiserver-client", ClientUsages, "system:node:w1")));

    public static TheoryData<string, string[], string, string[]> NotANodeComponent => new()
    {
        // another user, extra groups, a requester that is not a node, a signer or usages that do not fit
        { "admin", [], "system:node:w1", ClientUsages },
        { "system:kube-proxy", ["system:masters"], "system:node:w1", ClientUsages },
        { "system:kube-proxy", [], "system:bootstrap:abcdef", ClientUsages },
        { "system:kube-proxy", [], "system:node:w1", ["digital signature", "server auth"] },
    };

    [Theory]
    [MemberData(nameof(NotANodeComponent))]
    public void Recognize_OtherClientRequests_AreNotAutoApproved(string cn, string[] orgs, string requester, string[] usages) =>
        Assert.Null(CsrApprovingController.Recognize(Csr("a", cn, orgs, "kubernetes.io/kube-apiserver-client", usages, requester)));

    [Fact]
    public async Task Sync_NodeComponentAllowed_ApprovesAfterTheNodecomponentclientReview()
    {
        _reviews.Allow = sar => sar.Spec.ResourceAttributes.Subresource == "nodecomponentclient" && sar.Spec.User == "system:node:w1";
        Add(Csr("c1", "system:kube-proxy", [], "kubernetes.io/kube-apiserver-client", ClientUsages, "system:node:w1"));

        await _controller.SyncAsync("c1", CancellationToken.None);

        var condition = Assert.Single((await _client.GetAsync(null, "c1", CancellationToken.None)).Status.Conditions);
        Assert.Equal(("Approved", "AutoApproved"), (condition.Type, condition.Reason));
        Assert.Equal("Auto approving the node's Service proxy or cluster DNS client certificate after SubjectAccessReview.", condition.Message);
    }

    [Fact]
    public async Task Sync_AllowedBySubjectAccessReview_ApprovesThroughTheApprovalSubresource()
    {
        _reviews.Allow = sar => sar.Spec.ResourceAttributes.Subresource == "nodeclient" && sar.Spec.User == "system:bootstrap:abcdef";
        Add(Csr("node-csr-1", "system:node:w1", ["system:nodes"], KubeletClient, ClientUsages, "system:bootstrap:abcdef"));

        await _controller.SyncAsync("node-csr-1", CancellationToken.None);

        Assert.Contains("approval node-csr-1", _client.Calls);
        var approved = await _client.GetAsync(null, "node-csr-1", CancellationToken.None);
        var condition = Assert.Single(approved.Status.Conditions);
        Assert.Equal(("Approved", "True", "AutoApproved"), (condition.Type, condition.Status, condition.Reason));
        Assert.Equal("Auto approving kubelet client certificate after SubjectAccessReview.", condition.Message);
        Assert.Equal(["system:bootstrappers", "system:authenticated"], _reviews.Seen.Single().Spec.Groups);
    }

    [Fact]
    public async Task Sync_NotAllowed_LeavesTheRequestPending()
    {
        _reviews.Allow = _ => false;
        Add(Csr("node-csr-1", "system:node:w1", ["system:nodes"], KubeletClient, ClientUsages, "system:bootstrap:abcdef"));

        await _controller.SyncAsync("node-csr-1", CancellationToken.None);

        Assert.DoesNotContain(_client.Calls, c => c.StartsWith("approval", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sync_SelfRenewal_AsksForSelfnodeclientFirst()
    {
        _reviews.Allow = sar => sar.Spec.ResourceAttributes.Subresource == "selfnodeclient";
        Add(Csr("node-csr-2", "system:node:w1", ["system:nodes"], KubeletClient, ClientUsages, "system:node:w1"));

        await _controller.SyncAsync("node-csr-2", CancellationToken.None);

        Assert.Equal("selfnodeclient", _reviews.Seen.First().Spec.ResourceAttributes.Subresource);
        Assert.Contains("approval node-csr-2", _client.Calls);
    }

    [Fact]
    public async Task Sync_AlreadyDenied_IsLeftAlone()
    {
        _reviews.Allow = _ => true;
        var csr = Csr("node-csr-3", "system:node:w1", ["system:nodes"], KubeletClient, ClientUsages, "system:bootstrap:abcdef");
        csr.Status = new V1CertificateSigningRequestStatus { Conditions = [new V1CertificateSigningRequestCondition { Type = "Denied", Status = "True" }] };
        Add(csr);

        await _controller.SyncAsync("node-csr-3", CancellationToken.None);

        Assert.Empty(_reviews.Seen);
    }

    /// <summary>Answers SubjectAccessReviews with <see cref="Allow"/>.</summary>
    private sealed class Reviews : IResourceClient<V1SubjectAccessReview>
    {
        public Func<V1SubjectAccessReview, bool> Allow { get; set; } = _ => false;

        public ApiResource Resource => CsrApprovingController.SubjectAccessReviews;

        public List<V1SubjectAccessReview> Seen { get; } = [];

        public Task<V1SubjectAccessReview> CreateAsync(V1SubjectAccessReview obj, CancellationToken cancellationToken)
        {
            Seen.Add(obj);
            obj.Status = new V1SubjectAccessReviewStatus { Allowed = Allow(obj) };
            return Task.FromResult(obj);
        }

        public Task<ObjectList<V1SubjectAccessReview>> ListAsync(string? ns, ListOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<WatchEvent<V1SubjectAccessReview>> WatchAsync(string? ns, WatchOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<V1SubjectAccessReview> GetAsync(string? ns, string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<V1SubjectAccessReview> UpdateAsync(V1SubjectAccessReview obj, CancellationToken cancellationToken, string? subresource = null) => throw new NotSupportedException();

        public Task<V1SubjectAccessReview> PatchAsync(string? ns, string name, string mergePatch, CancellationToken cancellationToken, string? subresource = null) => throw new NotSupportedException();

        public Task DeleteAsync(string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
