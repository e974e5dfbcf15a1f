using System.Net;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Authentication;
using Skiff.ApiServer.Discovery;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Metrics;
using Skiff.ApiServer.OpenApi;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Storage;
using Skiff.Storage;

namespace Skiff.ApiServer;

/// <summary>Starts the API server: Kestrel over HTTPS with client certificates, the watch caches and the request pipeline.</summary>
public static class ApiServerHost
{
    /// <summary>Starts serving; the returned server's <see cref="IApiServer.Ready"/> completes when caches are loaded and system namespaces exist.</summary>
    public static async Task<IApiServer> StartAsync(ApiServerOptions options, IStore store, ILoggerFactory loggerFactory, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options.ServingCertificate, nameof(options.ServingCertificate));
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSkiffApiServer(options, store);
        builder.WebHost.UseKestrelCore();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;

            // Bodies are bounded by the API server itself, so an oversize body gets a Status (413) and not a reset.
            k.Limits.MaxRequestBodySize = null;
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
            k.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(2);
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(30);
            var address = options.BindAddress switch
            {
                "0.0.0.0" or "" => IPAddress.Any,
                "::" => IPAddress.IPv6Any,
                "localhost" => IPAddress.Loopback,
                var a => IPAddress.Parse(a),
            };
            k.Listen(address, options.Port, l =>
            {
                l.Protocols = HttpProtocols.Http1AndHttp2;
                l.UseHttps(new HttpsConnectionAdapterOptions
                {
                    ServerCertificate = options.ServingCertificate,

                    // TLS 1.2 and 1.3 only, like kube-apiserver's default --tls-min-version VersionTLS12.
                    SslProtocols = System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13,

                    // Any client certificate is taken at the TLS layer; the authenticator decides whether it
                    // chains to the cluster CA, so a bad certificate gets a 401 Status instead of a TLS failure.
                    ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                    ClientCertificateValidation = (_, _, _) => true,
                });
            });
        });

        var app = builder.Build();
        var router = app.Services.GetRequiredService<ApiRouter>();
        app.Run(router.InvokeAsync);
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            // Kestrel could not start (e.g. the port is taken): stop the background services it already started
            // so nothing keeps using the store the caller is about to close.
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var bound = new Uri(addresses.First());
        var host = options.BindAddress is "0.0.0.0" or "" or "::" ? "127.0.0.1" : options.BindAddress;
        var server = new RunningApiServer(app, new Uri($"https://{(host.Contains(':') ? $"[{host}]" : host)}:{bound.Port}"),
            app.Services.GetRequiredService<Bootstrapper>().Done);
        return server;
    }

    /// <summary>Registers the API server's services.</summary>
    internal static IServiceCollection AddSkiffApiServer(this IServiceCollection services, ApiServerOptions options, IStore store)
    {
        services.AddSingleton(options);
        services.AddSingleton(store);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<CacheDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<CacheDispatcher>());
        services.AddSingleton<NamespaceLifecycle>();
        services.AddSingleton<RegistryAccess>();
        services.AddSingleton<Authorization.RbacAuthorizer>();
        // kube-apiserver's Node,RBAC order.
        services.AddSingleton<Authorization.IAuthorizer, Authorization.NodeAuthorizer>();
        services.AddSingleton<Authorization.IAuthorizer>(sp => sp.GetRequiredService<Authorization.RbacAuthorizer>());
        services.AddSingleton<Authorization.AuthorizerChain>();
        services.AddSingleton(sp => new Registry.Core.Services.ServiceAllocator(store, options.ServiceNetwork));
        services.AddSingleton<IRegistryHooks<V1Service>, Registry.Core.Services.ServiceHooks>();
        services.AddSingleton<Registry.Rbac.RbacEscalationHooks>();
        services.AddSingleton<IRegistryHooks<V1Role>>(sp => sp.GetRequiredService<Registry.Rbac.RbacEscalationHooks>());
        services.AddSingleton<IRegistryHooks<V1ClusterRole>>(sp => sp.GetRequiredService<Registry.Rbac.RbacEscalationHooks>());
        services.AddSingleton<IRegistryHooks<V1RoleBinding>>(sp => sp.GetRequiredService<Registry.Rbac.RbacEscalationHooks>());
        services.AddSingleton<IRegistryHooks<V1ClusterRoleBinding>>(sp => sp.GetRequiredService<Registry.Rbac.RbacEscalationHooks>());
        services.AddHostedService<Registry.Core.Services.ServiceAllocationRepair>();
        services.AddSingleton(_ => new Registry.Core.Nodes.KubeletClient(options.KubeletClientCertificate, options.ClientCaCertificate));
        services.AddSingleton<Registry.Metrics.MetricsStorage>();
        services.AddHostedService<Registry.Metrics.MetricsScraper>();
        services.AddSingleton<IAdmissionPlugin, PriorityAdmission>();
        services.AddSingleton<IAdmissionPlugin, ServiceAccountAdmission>();
        services.AddSingleton<IAdmissionPlugin, DefaultStorageClass>();
        services.AddSingleton<IAdmissionPlugin, StorageObjectInUseProtection>();
        services.AddSingleton<IAdmissionPlugin, LimitRanger>();
        services.AddSingleton<IAdmissionPlugin, ResourceQuotaAdmission>();
        services.AddSingleton<IAdmissionPlugin, DefaultTolerationSeconds>();
        services.AddSingleton<IAdmissionPlugin, Admission.PodSecurity.PodSecurityAdmission>();
        services.AddSingleton<IAdmissionPlugin, NodeRestriction>();
        services.AddSingleton<Admission.Webhooks.ServiceEndpointResolver>();
        services.AddSingleton<Admission.Webhooks.WebhookClient>();
        services.AddSingleton<Admission.Webhooks.WebhookSource>();
        services.AddSingleton<Admission.Webhooks.WebhookAdmission>();
        services.AddSingleton<IAdmissionPlugin, Admission.Webhooks.MutatingAdmissionWebhook>();
        services.AddSingleton<IAdmissionPlugin, Admission.Webhooks.ValidatingAdmissionWebhook>();
        foreach (var plugin in options.AdmissionPlugins)
        {
            services.AddSingleton(plugin);
        }

        services.AddSingleton<AdmissionChain>();
        services.AddSingleton<FieldChecker>();
        services.AddSingleton<StorageConversions>();
        services.AddSingleton<ResourceRegistry>();
        services.AddSingleton<DiscoveryService>();
        services.AddSingleton(_ => new Authentication.ServiceAccounts.ServiceAccountTokenCodec(
            options.ServiceAccountSigningKey ?? System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256)));
        services.AddSingleton<Authentication.ServiceAccounts.IBoundObjects, Authentication.ServiceAccounts.RegistryBoundObjects>();
        services.AddSingleton(sp => new Authentication.ServiceAccounts.ServiceAccountTokenValidator(
            sp.GetRequiredService<Authentication.ServiceAccounts.ServiceAccountTokenCodec>(), options.ServiceAccountIssuer,
            options.ApiAudiences.Count > 0 ? [.. options.ApiAudiences] : [options.ServiceAccountIssuer],
            sp.GetRequiredService<Authentication.ServiceAccounts.IBoundObjects>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IBootstrapTokenSecrets, RegistryBootstrapTokenSecrets>();
        services.AddSingleton<BootstrapTokenAuthenticator>();
        services.AddSingleton<Authenticator>();
        services.AddSingleton<ApiRouter>();
        services.AddSingleton<Bootstrapper>();
        services.AddKubernetesOpenApi();
        services.AddSingleton<IExtraEndpoints, OpenApiRoutes>();
        services.AddSingleton<ApiMetrics>();
        services.AddSingleton<IExtraEndpoints>(sp => sp.GetRequiredService<ApiMetrics>());
        services.AddHostedService(sp => sp.GetRequiredService<Bootstrapper>());
        services.AddSingleton<Reconcilers.ApiServerLeaseReconciler>();
        services.AddHostedService(sp => sp.GetRequiredService<Reconcilers.ApiServerLeaseReconciler>());
        return services;
    }

    private sealed class RunningApiServer(WebApplication app, Uri address, Task ready) : IApiServer
    {
        public Uri Address { get; } = address;

        public Task Ready { get; } = ready;

        public async Task StopAsync(CancellationToken cancellationToken = default) => await app.StopAsync(cancellationToken).ConfigureAwait(false);

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync().ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }
}
