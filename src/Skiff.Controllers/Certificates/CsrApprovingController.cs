using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Certificates;

/// <summary>
/// kube-controller-manager's csrapproving controller (sarapprove.go): a kubernetes.io/kube-apiserver-client-kubelet
/// request shaped like a kubelet client certificate is approved when its requestor may create
/// <c>certificatesigningrequests/selfnodeclient</c> (renewing its own node identity: the common name is the requestor)
/// or <c>certificatesigningrequests/nodeclient</c> (a new node, e.g. a bootstrap token), asked through a
/// SubjectAccessReview. Anything else waits for <c>kubectl certificate approve</c>. Keys are CSR names.
/// </summary>
internal sealed partial class CsrApprovingController : IController
{
    public static readonly ApiResource SubjectAccessReviews = new("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", false);

    private readonly IInformer<V1CertificateSigningRequest> _csrs;
    private readonly IResourceClient<V1CertificateSigningRequest> _client;
    private readonly IResourceClient<V1SubjectAccessReview> _reviews;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public CsrApprovingController(IInformer<V1CertificateSigningRequest> csrs, IResourceClient<V1CertificateSigningRequest> client, IResourceClient<V1SubjectAccessReview> reviews, TimeProvider time, ILogger logger)
    {
        _csrs = csrs;
        _client = client;
        _reviews = reviews;
        _time = time;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(time), time);
        Sync = SyncAsync;
        csrs.AddEventHandler(new ResourceEventHandler<V1CertificateSigningRequest>(c => Queue.Add(c.Metadata.Name), (_, c) => Queue.Add(c.Metadata.Name)));
    }

    public string Name => "csrapproving";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await _csrs.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The client identities a node's own Service proxy and cluster DNS run as (Skiff runs both on every node, as k3s runs
    /// kube-proxy there). A node may have them signed by <c>kubernetes.io/kube-apiserver-client</c> when it may create
    /// <c>certificatesigningrequests/nodecomponentclient</c> — Skiff's counterpart of the k3s server handing each agent
    /// its kube-proxy client certificate.
    /// </summary>
    public static readonly IReadOnlySet<string> NodeComponentUsers = new HashSet<string>(StringComparer.Ordinal) { "system:kube-proxy", "system:skiff-dns" };

    /// <summary>Which permission would approve the request: "selfnodeclient", "nodeclient", "nodecomponentclient", or null when none applies.</summary>
    internal static string? Recognize(V1CertificateSigningRequest csr)
    {
        if (csr.Spec?.SignerName == CertificateRequests.KubeApiServerClientSigner)
        {
            return CertificateRequests.Parse(csr) is { } component
                && NodeComponentUsers.Contains(CertificateRequests.CommonName(component))
                && CertificateRequests.Organizations(component).Count == 0
                && CertificateRequests.ApiServerClientProblem(component, csr.Spec.Usages) is null
                && csr.Spec.Username?.StartsWith("system:node:", StringComparison.Ordinal) == true
                && csr.Spec.Groups?.Contains("system:nodes") == true
                ? "nodecomponentclient"
                : null;
        }

        if (csr.Spec?.SignerName != CertificateRequests.KubeletClientSigner || CertificateRequests.Parse(csr) is not { } request
            || CertificateRequests.KubeletClientProblem(request, csr.Spec.Usages) is not null)
        {
            return null;
        }

        return CertificateRequests.CommonName(request) == csr.Spec.Username ? "selfnodeclient" : "nodeclient";
    }

    internal async Task SyncAsync(string name, CancellationToken cancellationToken)
    {
        var cached = _csrs.Indexer.Get(name);
        if (cached is null || CertificateRequests.Has(cached, "Approved") || CertificateRequests.Has(cached, "Denied")
            || cached.Status?.Certificate is { Length: > 0 } || Recognize(cached) is not { } permission)
        {
            return;
        }

        // A node renewing its own certificate may also hold the bootstrap permission; try the narrower one first, as Kubernetes does.
        var allowed = await AllowedAsync(cached, permission, cancellationToken).ConfigureAwait(false)
            || (permission == "selfnodeclient" && await AllowedAsync(cached, "nodeclient", cancellationToken).ConfigureAwait(false));
        if (!allowed)
        {
            Log.NotAllowed(_logger, name, cached.Spec.Username ?? "", permission);
            return;
        }

        var csr = Objects.Clone(cached);
        var now = _time.GetUtcNow().UtcDateTime;
        csr.Status ??= new V1CertificateSigningRequestStatus();
        csr.Status.Conditions ??= [];
        csr.Status.Conditions.Add(new V1CertificateSigningRequestCondition
        {
            Type = "Approved",
            Status = "True",
            Reason = "AutoApproved",
            Message = permission switch
            {
                "selfnodeclient" => "Auto approving self kubelet client certificate after SubjectAccessReview.",
                "nodecomponentclient" => "Auto approving the node's Service proxy or cluster DNS client certificate after SubjectAccessReview.",
                _ => "Auto approving kubelet client certificate after SubjectAccessReview.",
            },
            LastUpdateTime = now,
            LastTransitionTime = now,
        });
        try
        {
            await _client.UpdateAsync(csr, cancellationToken, "approval").ConfigureAwait(false);
            Log.Approved(_logger, name, csr.Spec.Username ?? "");
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
    }

    private async Task<bool> AllowedAsync(V1CertificateSigningRequest csr, string subresource, CancellationToken cancellationToken)
    {
        var review = await _reviews.CreateAsync(new V1SubjectAccessReview
        {
            ApiVersion = "authorization.k8s.io/v1",
            Kind = "SubjectAccessReview",
            Metadata = new V1ObjectMeta(),
            Spec = new V1SubjectAccessReviewSpec
            {
                User = csr.Spec.Username,
                Uid = csr.Spec.Uid,
                Groups = csr.Spec.Groups,
                Extra = csr.Spec.Extra,
                ResourceAttributes = new V1ResourceAttributes
                {
                    Group = "certificates.k8s.io", Resource = "certificatesigningrequests", Subresource = subresource, Verb = "create",
                },
            },
        }, cancellationToken).ConfigureAwait(false);
        return review.Status?.Allowed == true;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "CsrAutoApproved", Level = LogLevel.Information, Message = "approved certificate signing request {Name} of {User}")]
        public static partial void Approved(ILogger logger, string name, string user);

        [LoggerMessage(EventId = 2, EventName = "CsrNotAutoApproved", Level = LogLevel.Information, Message = "certificate signing request {Name} of {User} is not auto-approved: the user may not create certificatesigningrequests/{Permission}")]
        public static partial void NotAllowed(ILogger logger, string name, string user, string permission);
    }
}
