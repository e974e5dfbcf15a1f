using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.ServiceAccount;

/// <summary>
/// Makes sure every active namespace has the <c>default</c> ServiceAccount (kube-controller-manager's
/// serviceaccounts-controller); a deleted one comes back. Keys are namespace names.
/// </summary>
internal sealed class ServiceAccountController : IController
{
    public const string DefaultName = "default";

    private readonly IInformer<V1Namespace> _namespaces;
    private readonly IInformer<V1ServiceAccount> _serviceAccounts;
    private readonly IResourceClient<V1ServiceAccount> _client;
    private readonly ILogger _logger;

    public ServiceAccountController(IInformer<V1Namespace> namespaces, IInformer<V1ServiceAccount> serviceAccounts, IResourceClient<V1ServiceAccount> client, TimeProvider timeProvider, ILogger logger)
    {
        _namespaces = namespaces;
        _serviceAccounts = serviceAccounts;
        _client = client;
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;
        namespaces.AddEventHandler(new ResourceEventHandler<V1Namespace>(n => Queue.Add(n.Metadata.Name), (_, n) => Queue.Add(n.Metadata.Name)));
        serviceAccounts.AddEventHandler(new ResourceEventHandler<V1ServiceAccount>(onDelete: sa =>
        {
            if (sa.Metadata.Name == DefaultName)
            {
                Queue.Add(sa.Metadata.NamespaceProperty);
            }
        }));
    }

    public string Name => "serviceaccount";

    public RateLimitingQueue<string> Queue { get; }

    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_namespaces.WaitForSyncAsync(cancellationToken), _serviceAccounts.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    internal async Task SyncAsync(string ns, CancellationToken cancellationToken)
    {
        var namespaceObj = _namespaces.Indexer.Get(ns);
        if (namespaceObj is null || namespaceObj.Metadata.DeletionTimestamp is not null || namespaceObj.Status?.Phase == "Terminating")
        {
            return;
        }

        if (_serviceAccounts.Indexer.Get(ns, DefaultName) is not null)
        {
            return;
        }

        try
        {
            await _client.CreateAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = DefaultName, NamespaceProperty = ns } }, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsAlreadyExists || ex.IsNamespaceTerminating || ex.IsNotFound)
        {
            // Someone made it first, or the namespace is going away: nothing left to do.
        }
    }
}
