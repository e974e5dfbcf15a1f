using k8s;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;

namespace Skiff.Controllers.Manager;

/// <summary>
/// Gives each controller an API connection of its own, as kube-controller-manager does with
/// <c>--use-service-account-credentials</c> (its service-account client builder): the controller acts as the service
/// account kube-system/CONTROLLER, which the bootstrap policy binds to <c>system:controller:CONTROLLER</c>, with a token
/// from the TokenRequest API that the manager's own identity requests (creating the account if it is missing) and
/// refreshes before it expires. The manager's identity itself keeps only leader election and the shared informers.
/// Thread-safe; one connection per controller name, kept until disposed.
/// </summary>
public sealed class ServiceAccountClientBuilder(ApiConnection manager, KubernetesClientConfiguration server, TimeProvider timeProvider, ILoggerFactory loggerFactory) : IDisposable
{
    /// <summary>Where the controllers' service accounts live.</summary>
    public const string Namespace = "kube-system";

    /// <summary>The lifetime asked for each token (client-go's client builder asks for one hour too).</summary>
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);

    private readonly Dictionary<string, ApiConnection> _connections = new(StringComparer.Ordinal);
    private readonly ILogger _tokenLog = loggerFactory.CreateLogger("Skiff.Controllers.ServiceAccountTokens");
    private readonly ILogger _forbiddenLog = loggerFactory.CreateLogger("Skiff.Controllers.ComponentAccess");

    /// <summary>The connection of <paramref name="controller"/> (its service account's name, e.g. <c>replicaset-controller</c>).</summary>
    public ApiConnection For(string controller)
    {
        lock (_connections)
        {
            if (!_connections.TryGetValue(controller, out var connection))
            {
                var tokens = new ServiceAccountTokenSource(
                    Namespace + "/" + controller,
                    ct => ServiceAccountTokens.RequestAsync(manager, Namespace, controller, TokenLifetime, ct),
                    timeProvider,
                    _tokenLog);
                connection = new ApiConnection(server, _forbiddenLog, tokens) { UserAgent = "skiff-controller-manager/" + controller };
                _connections[controller] = connection;
            }

            return connection;
        }
    }

    public void Dispose()
    {
        lock (_connections)
        {
            foreach (var connection in _connections.Values)
            {
                connection.Dispose();
            }

            _connections.Clear();
        }
    }
}
