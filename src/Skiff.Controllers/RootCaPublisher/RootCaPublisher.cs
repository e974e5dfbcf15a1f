using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.RootCaPublisher;

/// <summary>
/// Publishes the cluster CA as the <c>kube-root-ca.crt</c> ConfigMap (key <c>ca.crt</c>) in every active namespace
/// (kube-controller-manager's root-ca-cert-publisher), so the projected <c>kube-api-access</c> volume of every pod can
/// verify the API server. A deleted or edited ConfigMap is put back. Keys are namespace names.
/// </summary>
internal sealed partial class RootCaPublisher : IController
{
    public const string ConfigMapName = "kube-root-ca.crt";
    public const string DataKey = "ca.crt";

    /// <summary>The description kube-controller-manager annotates the ConfigMap with.</summary>
    public const string Description = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

    public static readonly ApiResource ConfigMaps = new("", "v1", "configmaps", "ConfigMap", true);

    private readonly IInformer<V1Namespace> _namespaces;
    private readonly IInformer<V1ConfigMap> _configMaps;
    private readonly IResourceClient<V1ConfigMap> _client;
    private readonly string _caPem;
    private readonly ILogger _logger;

    public RootCaPublisher(IInformer<V1Namespace> namespaces, IInformer<V1ConfigMap> configMaps, IResourceClient<V1ConfigMap> client, string caPem, TimeProvider timeProvider, ILogger logger)
    {
        _namespaces = namespaces;
        _configMaps = configMaps;
        _client = client;
        _caPem = caPem;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;
        namespaces.AddEventHandler(new ResourceEventHandler<V1Namespace>(n => Queue.Add(n.Metadata.Name), (_, n) => Queue.Add(n.Metadata.Name)));
        configMaps.AddEventHandler(new ResourceEventHandler<V1ConfigMap>(
            onUpdate: (_, cm) => EnqueueIfOurs(cm),
            onDelete: EnqueueIfOurs));
    }

    public string Name => "root-ca-cert-publisher";

    public RateLimitingQueue<string> Queue { get; }

    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_namespaces.WaitForSyncAsync(cancellationToken), _configMaps.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    internal async Task SyncAsync(string ns, CancellationToken cancellationToken)
    {
        var namespaceObj = _namespaces.Indexer.Get(ns);
        if (namespaceObj is null || namespaceObj.Metadata.DeletionTimestamp is not null || namespaceObj.Status?.Phase == "Terminating")
        {
            return;
        }

        try
        {
            var existing = _configMaps.Indexer.Get(ns, ConfigMapName);
            if (existing is null)
            {
                await _client.CreateAsync(new V1ConfigMap
                {
                    Metadata = new V1ObjectMeta { Name = ConfigMapName, NamespaceProperty = ns, Annotations = new Dictionary<string, string> { ["kubernetes.io/description"] = Description } },
                    Data = new Dictionary<string, string> { [DataKey] = _caPem },
                }, cancellationToken).ConfigureAwait(false);
                Log.Published(_logger, ns);
                return;
            }

            if (existing.Data?.Count == 1 && existing.Data.TryGetValue(DataKey, out var pem) && pem == _caPem && existing.BinaryData is not { Count: > 0 })
            {
                return;
            }

            // Someone changed it: put the CA back, keeping their labels and annotations (as the Kubernetes publisher does).
            var copy = Objects.Clone(existing);
            copy.Data = new Dictionary<string, string> { [DataKey] = _caPem };
            copy.BinaryData = null;
            await _client.UpdateAsync(copy, cancellationToken).ConfigureAwait(false);
            Log.Restored(_logger, ns);
        }
        catch (ApiException ex) when (ex.IsAlreadyExists || ex.IsNamespaceTerminating || ex.IsNotFound)
        {
            // Created by another worker in between, or the namespace is going away.
        }
    }

    private void EnqueueIfOurs(V1ConfigMap cm)
    {
        if (cm.Metadata.Name == ConfigMapName)
        {
            Queue.Add(cm.Metadata.NamespaceProperty);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, EventName = "RootCaPublished", Message = "Published ConfigMap {Namespace}/kube-root-ca.crt")]
        public static partial void Published(ILogger logger, string @namespace);

        [LoggerMessage(EventId = 2, Level = LogLevel.Information, EventName = "RootCaRestored", Message = "Restored the CA in ConfigMap {Namespace}/kube-root-ca.crt")]
        public static partial void Restored(ILogger logger, string @namespace);
    }
}
