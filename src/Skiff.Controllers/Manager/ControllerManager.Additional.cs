using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Controllers.Common;
using Skiff.Controllers.Endpoint;
using Skiff.Controllers.EndpointSlice;
using Skiff.Controllers.PodGc;
using Skiff.Controllers.ServiceLb;
using Skiff.Controllers.TtlAfterFinished;

namespace Skiff.Controllers.Manager;

/// <summary>The controllers beyond the core set (endpoints, pod GC, ServiceLB, TTL-after-finished, root CA publisher, ClusterRole aggregation, bootstrap tokens, certificates).</summary>
public sealed partial class ControllerManager
{
    private partial IEnumerable<(IController Controller, int Workers)> AdditionalControllers(InformerFactory factory, Func<string, EventRecorder> recorder, Func<string, ILogger> logger)
    {
        var services = factory.For<V1Service>(ApiResource.Services);
        var pods = factory.For<V1Pod>(ApiResource.Pods);
        yield return (new EndpointsController(services, pods, factory.For<V1Endpoints>(ApiResource.Endpoints), connection.For<V1Endpoints>(ApiResource.Endpoints), timeProvider, logger("Endpoints")), options.EndpointWorkers);
        yield return (new EndpointSliceController(services, pods, factory.For<V1EndpointSlice>(ApiResource.EndpointSlices), factory.For<V1Node>(ApiResource.Nodes), connection.For<V1EndpointSlice>(ApiResource.EndpointSlices), timeProvider, logger("EndpointSlice")), options.EndpointWorkers);
        yield return (new PodGcController(pods, factory.For<V1Node>(ApiResource.Nodes), connection.For<V1Pod>(ApiResource.Pods), connection.For<V1Node>(ApiResource.Nodes), new PodGcOptions { Period = options.PodGcPeriod, TerminatedPodThreshold = options.TerminatedPodGcThreshold }, timeProvider, logger("PodGc")), 1);
        yield return NodeIpamController(factory, logger);
        if (options.ServiceLb)
        {
            yield return (new ServiceLbController(services, factory.For<V1Node>(ApiResource.Nodes), connection.For<V1Service>(ApiResource.Services), recorder("service-lb-controller"), timeProvider, logger("ServiceLb")), 1);
        }

        yield return (new TtlAfterFinishedController(factory.For<V1Job>(ApiResource.Jobs), connection.For<V1Job>(ApiResource.Jobs), timeProvider, logger("TtlAfterFinished")), options.TtlAfterFinishedWorkers);
        if (options.RootCaCertificatePem is { Length: > 0 } caPem)
        {
            yield return (new RootCaPublisher.RootCaPublisher(factory.For<V1Namespace>(ApiResource.Namespaces), factory.For<V1ConfigMap>(RootCaPublisher.RootCaPublisher.ConfigMaps),
                connection.For<V1ConfigMap>(RootCaPublisher.RootCaPublisher.ConfigMaps), caPem, timeProvider, logger("RootCaPublisher")), 1);
        }

        var secrets = new ApiResource("", "v1", "secrets", "Secret", true);
        if (options.LegacyTokenSigner is { } signer && options.RootCaCertificatePem is { Length: > 0 } tokenCaPem)
        {
            yield return (new ServiceAccount.TokensController(factory.For<V1ServiceAccount>(ApiResource.ServiceAccounts), factory.For<V1Secret>(secrets),
                connection.For<V1ServiceAccount>(ApiResource.ServiceAccounts), connection.For<V1Secret>(secrets), signer, tokenCaPem, timeProvider, logger("ServiceAccountTokens")), 1);
        }

        yield return (new Bootstrap.TokenCleaner(factory.For<V1Secret>(secrets), connection.For<V1Secret>(secrets), timeProvider, logger("TokenCleaner")), 1);
        var csrs = new ApiResource("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", false);
        yield return (new Certificates.CsrApprovingController(factory.For<V1CertificateSigningRequest>(csrs), connection.For<V1CertificateSigningRequest>(csrs),
            connection.For<V1SubjectAccessReview>(Certificates.CsrApprovingController.SubjectAccessReviews), timeProvider, logger("CsrApproving")), 1);
        if (options.ClusterSigningCertificate is { } signing)
        {
            yield return (new Certificates.CsrSigningController(factory.For<V1CertificateSigningRequest>(csrs), connection.For<V1CertificateSigningRequest>(csrs), signing, timeProvider, logger("CsrSigning")), 1);
        }

        yield return (new ClusterRoleAggregation.ClusterRoleAggregationController(factory.For<V1ClusterRole>(ClusterRoleAggregation.ClusterRoleAggregationController.ClusterRoles),
            connection.For<V1ClusterRole>(ClusterRoleAggregation.ClusterRoleAggregationController.ClusterRoles), timeProvider, logger("ClusterRoleAggregation")), 1);
        foreach (var volumeController in VolumeControllers(factory, recorder, logger)) yield return volumeController;
    }
}
