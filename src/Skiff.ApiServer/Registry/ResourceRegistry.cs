using System.Collections.Frozen;
using System.Reflection;
using k8s;
using k8s.Models;
using Skiff.Api.Resources;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Storage;
using Skiff.Storage;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// Binds every served resource version to its strategy (found by model type among the
/// <see cref="ResourceStrategy{T}"/> subclasses of this assembly), its watch cache (one per storage resource)
/// and its HTTP handler. Built once at start-up; read-only afterwards.
/// </summary>
internal sealed class ResourceRegistry
{
    private readonly FrozenDictionary<(string Group, string Version, string Resource), IResourceHandler> _handlers;

    public ResourceRegistry(IStore store, CacheDispatcher dispatcher, NamespaceLifecycle namespaces, AdmissionChain admission,
        ApiServerOptions options, FieldChecker fieldChecker, StorageConversions conversions, TimeProvider time, ILoggerFactory loggers, IServiceProvider services)
    {
        var strategies = typeof(ResourceRegistry).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && !t.IsGenericTypeDefinition && t.BaseType is { IsGenericType: true } b && b.GetGenericTypeDefinition() == typeof(ResourceStrategy<>))
            .ToDictionary(t => t.BaseType!.GetGenericArguments()[0]);

        var stores = new Dictionary<Type, object>();
        var handlers = new Dictionary<(string, string, string), IResourceHandler>();
        var served = new List<ResourceInfo>();

        // Storage versions first, so versions that share their storage can find the store.
        foreach (var info in BuiltInResources.Resources.OrderBy(r => r.StorageGroupResource is null ? 0 : 1))
        {
            if (info.StorageGroupResource is null)
            {
                var method = typeof(ResourceRegistry).GetMethod(nameof(CreateStorage), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(info.Type);
                var (storeObj, handler) = ((object, IResourceHandler))method.Invoke(null, [info, strategies.GetValueOrDefault(info.Type), store, dispatcher, namespaces, admission, options, fieldChecker, time, loggers, services])!;
                stores[info.Type] = storeObj;
                handlers[(info.Group, info.Version, info.Plural)] = handler;
                served.Add(info);
                if (info.Group.Length == 0 && info.Plural == "namespaces")
                {
                    namespaces.Bind(((IRegistryStore)storeObj).Cache);
                }
            }
            else if (conversions.Create(info, stores, strategies) is { } handler)
            {
                handlers[(info.Group, info.Version, info.Plural)] = handler;
                served.Add(info);
            }
        }

        foreach (var review in Authorization.AccessReviewHandler.Resources)
        {
            handlers[(review.Group, review.Version, review.Plural)] = new Authorization.AccessReviewHandler(review,
                (Authorization.AuthorizerChain)services.GetService(typeof(Authorization.AuthorizerChain))!,
                (Authorization.RbacAuthorizer)services.GetService(typeof(Authorization.RbacAuthorizer))!, options);
        }

        if (stores.GetValueOrDefault(typeof(V1Node)) is RegistryStore<V1Node> nodeStore && handlers.GetValueOrDefault(("", "v1", "pods")) is ResourceHandler<V1Pod> podHandler)
        {
            podHandler.PodLogs = new Core.Pods.PodLogProxy(nodeStore, options.KubeletClientCertificate, options.ClientCaCertificate);
            podHandler.PodStreams = new Core.Pods.PodStreamProxy(
                new Core.Pods.KubeletLocation(nodeStore, options.KubeletClientCertificate, options.ClientCaCertificate), loggers.CreateLogger<Core.Pods.PodStreamProxy>());
        }

        // serviceaccounts/token is served beside the serviceaccounts REST endpoint; the review resources are create-only.
        var access = (RegistryAccess)services.GetService(typeof(RegistryAccess))!;
        var saKey = ("", "v1", "serviceaccounts");
        handlers[saKey] = new Core.ServiceAccounts.TokenRequestHandler(handlers[saKey],
            (Authentication.ServiceAccounts.ServiceAccountTokenCodec)services.GetService(typeof(Authentication.ServiceAccounts.ServiceAccountTokenCodec))!,
            options, access, time);
        var tokenReview = Authentication.TokenReviewHandler.Resource;
        handlers[(tokenReview.Group, tokenReview.Version, tokenReview.Plural)] = new Authentication.TokenReviewHandler(
            (Authentication.ServiceAccounts.ServiceAccountTokenValidator)services.GetService(typeof(Authentication.ServiceAccounts.ServiceAccountTokenValidator))!, options);

        _handlers = handlers.ToFrozenDictionary();
        handlers.Values.OfType<ResourceHandler<V1Pod>>().ToList().ForEach(h => h.Evictions = new Core.Pods.PodEviction(this, time));
        _stores = stores;
        Served = served;
    }

    private readonly Dictionary<Type, object> _stores;

    /// <summary>The registry store of a storage type (for in-process bootstrap and tests).</summary>
    public RegistryStore<T> Store<T>()
        where T : class, IKubernetesObject<V1ObjectMeta> => (RegistryStore<T>)_stores[typeof(T)];

    /// <summary>The resource versions actually served, in catalog order.</summary>
    public IReadOnlyList<ResourceInfo> Served { get; }

    public IResourceHandler? Find(string group, string version, string resource) =>
        _handlers.GetValueOrDefault((group, version, resource));

    public IEnumerable<IResourceHandler> Handlers => _handlers.Values;

    private static (object, IResourceHandler) CreateStorage<T>(ResourceInfo info, Type? strategyType, IStore store, CacheDispatcher dispatcher,
        NamespaceLifecycle namespaces, AdmissionChain admission, ApiServerOptions options, FieldChecker fieldChecker, TimeProvider time, ILoggerFactory loggers,
        IServiceProvider services)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var strategy = strategyType is null ? new DefaultStrategy<T>() : (ResourceStrategy<T>)Activator.CreateInstance(strategyType, nonPublic: true)!;
        strategy.Info = info;
        var cache = dispatcher.GetOrAdd(info.KeyPrefix, new TypedDecoder<T>(info, strategy));
        var registryStore = new RegistryStore<T>(info, strategy, store, cache, dispatcher, namespaces, admission, time, loggers.CreateLogger($"Skiff.Registry.{info.GroupResource}"))
        {
            Hooks = (IRegistryHooks<T>?)services.GetService(typeof(IRegistryHooks<T>)),
        };
        var handler = new ResourceHandler<T>(registryStore, new IdentityConverter<T>(info), options, fieldChecker, time);
        return (registryStore, handler);
    }

    /// <summary>Creates the handler of a served version that stores as another version's type.</summary>
    internal static IResourceHandler CreateConverted<TExternal, T>(ResourceInfo info, object storageStore,
        Func<TExternal, T> toStorage, Func<T, TExternal> fromStorage, ResourceStrategy<TExternal>? externalStrategy,
        ApiServerOptions options, FieldChecker fieldChecker, TimeProvider time)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TExternal : class, IKubernetesObject<V1ObjectMeta> =>
        new ResourceHandler<T>((RegistryStore<T>)storageStore, new FuncConverter<TExternal, T>(info, toStorage, fromStorage, externalStrategy), options, fieldChecker, time);
}
