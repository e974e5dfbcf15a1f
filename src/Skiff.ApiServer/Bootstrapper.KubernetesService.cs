using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using k8s.Models;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Registry.Core.Services;

namespace Skiff.ApiServer;

/// <summary>
/// The <c>kubernetes</c> Service in <c>default</c> (first cluster IP, port 443 → the API servers), as kube-apiserver's
/// bootstrap controller keeps it; its Endpoints and EndpointSlice belong to <see cref="Reconcilers.ApiServerLeaseReconciler"/>.
/// </summary>
internal sealed partial class Bootstrapper
{
    private async Task EnsureKubernetesServiceAsync(CancellationToken ct)
    {
        // The port is known once Kestrel has bound (port 0 picks one).
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        if (!lifetime.ApplicationStarted.IsCancellationRequested)
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var reg = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
            await started.Task.WaitAsync(ct).ConfigureAwait(false);
        }

        var addresses = services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var port = addresses?.Select(a => new Uri(a.Replace("*", "localhost", StringComparison.Ordinal)).Port).FirstOrDefault() ?? 0;
        if (port == 0)
        {
            return;
        }

        var options = services.GetRequiredService<ApiServerOptions>();
        var ip = AdvertiseAddress(options);
        var allocator = services.GetRequiredService<ServiceAllocator>();
        var labels = new Dictionary<string, string> { ["component"] = "apiserver", ["provider"] = "kubernetes" };

        var svcStore = registry.Store<V1Service>();
        if (svcStore.Cache.Get(svcStore.Key("default", "kubernetes")) is null)
        {
            try
            {
                await svcStore.CreateAsync("default", new V1Service
                {
                    Metadata = new V1ObjectMeta { Name = "kubernetes", NamespaceProperty = "default", Labels = labels },
                    Spec = new V1ServiceSpec
                    {
                        Type = "ClusterIP",
                        ClusterIP = allocator.FirstIp,
                        Ports = [new V1ServicePort { Name = "https", Port = 443, Protocol = "TCP", TargetPort = port }],
                        SessionAffinity = "None",
                    },
                }, false, ct).ConfigureAwait(false);
            }
            catch (ApiException e) when (e.Code == 409)
            {
                // Another server created it first.
            }
        }

        if (ip is null)
        {
            // Endpoints may not be loopback addresses; a machine with no other address publishes none.
            Log.NoAdvertiseAddress(logger);
        }

        // The endpoints list every live server, this one included from here on (see ApiServerLeaseReconciler).
        await services.GetRequiredService<Reconcilers.ApiServerLeaseReconciler>()
            .StartAsync(ip is null ? null : IPAddress.Parse(ip), port, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// kube-apiserver's choice: --advertise-address, else the bind address unless it is unspecified or loopback, else
    /// the machine's first non-loopback IPv4 address; null when there is none.
    /// </summary>
    internal static string? AdvertiseAddress(ApiServerOptions options)
    {
        if (!string.IsNullOrEmpty(options.AdvertiseAddress))
        {
            return options.AdvertiseAddress;
        }

        if (IPAddress.TryParse(options.BindAddress, out var bind) && !IPAddress.IsLoopback(bind) && !bind.Equals(IPAddress.Any) && !bind.Equals(IPAddress.IPv6Any))
        {
            return options.BindAddress;
        }

        var address = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        return address?.ToString();
    }
}
