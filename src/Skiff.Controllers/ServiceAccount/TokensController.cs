using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.ServiceAccount;

/// <summary>Signs a legacy service-account token for a Secret: namespace, service account name and uid, Secret name.</summary>
public delegate string LegacyTokenSigner(string ns, string serviceAccountName, string serviceAccountUid, string secretName);

/// <summary>
/// kube-controller-manager's serviceaccount-token controller, for the legacy tokens a user asks for explicitly: a Secret
/// of type <c>kubernetes.io/service-account-token</c> annotated with <c>kubernetes.io/service-account.name</c> gets
/// <c>token</c>, <c>ca.crt</c> and <c>namespace</c> filled in (and the account's uid annotated); a token Secret whose
/// service account is gone, or was recreated with another uid, is deleted, so its token stops working. Keys are the
/// Secrets' <c>NAMESPACE/NAME</c>; service-account events enqueue the token Secrets that name the account.
/// </summary>
internal sealed partial class TokensController : IController
{
    public const string SecretType = "kubernetes.io/service-account-token";
    public const string NameAnnotation = "kubernetes.io/service-account.name";
    public const string UidAnnotation = "kubernetes.io/service-account.uid";

    private readonly IInformer<V1ServiceAccount> _serviceAccounts;
    private readonly IInformer<V1Secret> _secrets;
    private readonly IResourceClient<V1ServiceAccount> _serviceAccountClient;
    private readonly IResourceClient<V1Secret> _secretClient;
    private readonly LegacyTokenSigner _signer;
    private readonly byte[] _caCertificate;
    private readonly ILogger _logger;

    public TokensController(
        IInformer<V1ServiceAccount> serviceAccounts,
        IInformer<V1Secret> secrets,
        IResourceClient<V1ServiceAccount> serviceAccountClient,
        IResourceClient<V1Secret> secretClient,
        LegacyTokenSigner signer,
        string caCertificatePem,
        TimeProvider time,
        ILogger logger)
    {
        _serviceAccounts = serviceAccounts;
        _secrets = secrets;
        _serviceAccountClient = serviceAccountClient;
        _secretClient = secretClient;
        _signer = signer;
        _caCertificate = Encoding.UTF8.GetBytes(caCertificatePem);
        _logger = logger;
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(time), time);
        Sync = SyncAsync;
        secrets.AddEventHandler(new ResourceEventHandler<V1Secret>(EnqueueSecret, (_, s) => EnqueueSecret(s)));
        serviceAccounts.AddEventHandler(new ResourceEventHandler<V1ServiceAccount>(EnqueueTokensOf, (_, sa) => EnqueueTokensOf(sa), EnqueueTokensOf));
    }

    public string Name => "serviceaccount-token";

    public RateLimitingQueue<string> Queue { get; }

    /// <summary>The sync handler; tests swap it.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_serviceAccounts.WaitForSyncAsync(cancellationToken), _secrets.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    private void EnqueueSecret(V1Secret secret)
    {
        if (secret.Type == SecretType)
        {
            Queue.Add(ObjectKey.Of(secret));
        }
    }

    private void EnqueueTokensOf(V1ServiceAccount serviceAccount)
    {
        foreach (var secret in _secrets.Indexer.ByIndex(Indexers.Namespace, serviceAccount.Metadata.NamespaceProperty))
        {
            if (secret.Type == SecretType && Annotation(secret, NameAnnotation) == serviceAccount.Metadata.Name)
            {
                Queue.Add(ObjectKey.Of(secret));
            }
        }
    }

    private static string? Annotation(V1Secret secret, string key) =>
        secret.Metadata.Annotations is { } a && a.TryGetValue(key, out var v) ? v : null;

    internal async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var secret = _secrets.Indexer.Get(key);
        if (secret is null || secret.Type != SecretType || secret.Metadata.DeletionTimestamp is not null)
        {
            return;
        }

        var ns = secret.Metadata.NamespaceProperty;
        var name = Annotation(secret, NameAnnotation) ?? "";
        var wantedUid = Annotation(secret, UidAnnotation);
        var serviceAccount = _serviceAccounts.Indexer.Get(ns, name);
        if (serviceAccount is null || (!string.IsNullOrEmpty(wantedUid) && serviceAccount.Metadata.Uid != wantedUid))
        {
            // The cache may lag behind a service account that was just created: only a live read decides the deletion.
            serviceAccount = await LiveServiceAccountAsync(ns, name, cancellationToken).ConfigureAwait(false);
            if (serviceAccount is null || (!string.IsNullOrEmpty(wantedUid) && serviceAccount.Metadata.Uid != wantedUid))
            {
                await DeleteAsync(secret, name, cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        var data = secret.Data ?? new Dictionary<string, byte[]>();
        if (data.TryGetValue("token", out var token) && token.Length > 0 && data.ContainsKey("ca.crt") && data.ContainsKey("namespace") && !string.IsNullOrEmpty(wantedUid))
        {
            return;
        }

        // A copy: the cached object is shared with every other reader of the informer.
        var updated = Objects.Clone(secret);
        updated.Data = new Dictionary<string, byte[]>(data)
        {
            ["token"] = data.TryGetValue("token", out var existing) && existing.Length > 0
                ? existing
                : Encoding.UTF8.GetBytes(_signer(ns, name, serviceAccount.Metadata.Uid, secret.Metadata.Name)),
            ["ca.crt"] = _caCertificate,
            ["namespace"] = Encoding.UTF8.GetBytes(ns),
        };
        updated.Metadata.Annotations = new Dictionary<string, string>(secret.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            [UidAnnotation] = serviceAccount.Metadata.Uid,
        };
        try
        {
            // The cached resourceVersion guards the update: a conflict means someone changed the Secret meanwhile,
            // and the retry starts from the newer copy.
            await _secretClient.UpdateAsync(updated, cancellationToken).ConfigureAwait(false);
            LogPopulated(_logger, ns, secret.Metadata.Name, name);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
    }

    private async Task<V1ServiceAccount?> LiveServiceAccountAsync(string ns, string name, CancellationToken cancellationToken)
    {
        if (name.Length == 0)
        {
            return null;
        }

        try
        {
            return await _serviceAccountClient.GetAsync(ns, name, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    private async Task DeleteAsync(V1Secret secret, string serviceAccount, CancellationToken cancellationToken)
    {
        try
        {
            await _secretClient.DeleteAsync(secret.Metadata.NamespaceProperty, secret.Metadata.Name,
                new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = secret.Metadata.Uid } }, cancellationToken).ConfigureAwait(false);
            LogDeleted(_logger, secret.Metadata.NamespaceProperty, secret.Metadata.Name, serviceAccount);
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
        {
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Filled in the token of Secret {Namespace}/{Secret} for service account {ServiceAccount}")]
    private static partial void LogPopulated(ILogger logger, string @namespace, string secret, string serviceAccount);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Deleted token Secret {Namespace}/{Secret}: its service account {ServiceAccount} does not exist (or was recreated)")]
    private static partial void LogDeleted(ILogger logger, string @namespace, string secret, string serviceAccount);
}
