using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Certificates;

/// <summary>
/// kube-controller-manager's csrsigning controller for the built-in signers kubernetes.io/kube-apiserver-client,
/// kubernetes.io/kube-apiserver-client-kubelet and kubernetes.io/kubelet-serving: an approved request is checked
/// against its signer's rules and either gets its certificate in status.certificate or a Failed condition
/// (reason SignerValidationFailure) saying what is wrong. Other signers' requests are left alone. Keys are CSR names.
/// </summary>
internal sealed partial class CsrSigningController : IController
{
    private readonly IInformer<V1CertificateSigningRequest> _csrs;
    private readonly IResourceClient<V1CertificateSigningRequest> _client;
    private readonly ClusterSigner _signer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public CsrSigningController(IInformer<V1CertificateSigningRequest> csrs, IResourceClient<V1CertificateSigningRequest> client, X509Certificate2 ca, TimeProvider time, ILogger logger)
    {
        _csrs = csrs;
        _client = client;
        _signer = new ClusterSigner(ca, time);
        _time = time;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(time), time);
        Sync = SyncAsync;
        csrs.AddEventHandler(new ResourceEventHandler<V1CertificateSigningRequest>(c => Queue.Add(c.Metadata.Name), (_, c) => Queue.Add(c.Metadata.Name)));
    }

    public string Name => "csrsigning";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await _csrs.WaitForSyncAsync(cancellationToken).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    internal async Task SyncAsync(string name, CancellationToken cancellationToken)
    {
        var cached = _csrs.Indexer.Get(name);
        if (cached is null || !CertificateRequests.ReadyToSign(cached))
        {
            return;
        }

        var signerName = cached.Spec?.SignerName;
        if (signerName is not (CertificateRequests.KubeApiServerClientSigner or CertificateRequests.KubeletClientSigner or CertificateRequests.KubeletServingSigner))
        {
            return;
        }

        var csr = Objects.Clone(cached);
        var request = CertificateRequests.Parse(csr);
        var problem = request is null ? "unable to parse csr" : signerName switch
        {
            CertificateRequests.KubeletClientSigner => CertificateRequests.KubeletClientProblem(request, csr.Spec.Usages),
            CertificateRequests.KubeletServingSigner => CertificateRequests.KubeletServingProblem(request, csr.Spec.Usages),
            _ => CertificateRequests.ApiServerClientProblem(request, csr.Spec.Usages),
        };

        csr.Status ??= new V1CertificateSigningRequestStatus();
        if (problem is not null)
        {
            var now = _time.GetUtcNow().UtcDateTime;
            csr.Status.Conditions ??= [];
            csr.Status.Conditions.Add(new V1CertificateSigningRequestCondition
            {
                Type = "Failed", Status = "True", Reason = "SignerValidationFailure", Message = problem, LastUpdateTime = now, LastTransitionTime = now,
            });
            Log.Failed(_logger, name, signerName, problem);
        }
        else
        {
            csr.Status.Certificate = _signer.Sign(csr, request!);
            Log.Signed(_logger, name, signerName, CertificateRequests.CommonName(request!));
        }

        try
        {
            await _client.UpdateAsync(csr, cancellationToken, "status").ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "CsrSigned", Level = LogLevel.Information, Message = "signed certificate signing request {Name} ({Signer}) for {CommonName}")]
        public static partial void Signed(ILogger logger, string name, string signer, string commonName);

        [LoggerMessage(EventId = 2, EventName = "CsrSignFailed", Level = LogLevel.Warning, Message = "certificate signing request {Name} ({Signer}) cannot be signed: {Problem}")]
        public static partial void Failed(ILogger logger, string name, string signer, string problem);
    }
}
