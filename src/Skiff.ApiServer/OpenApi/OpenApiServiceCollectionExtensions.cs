using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Skiff.ApiServer.OpenApi;

/// <summary>Registers the OpenAPI document service.</summary>
public static class OpenApiServiceCollectionExtensions
{
    /// <summary>Adds the singleton that generates and caches the OpenAPI documents.</summary>
    public static IServiceCollection AddKubernetesOpenApi(this IServiceCollection services, Action<OpenApiOptions>? configure = null)
    {
        var options = services.AddOptions<OpenApiOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton<OpenApiService>();
        return services;
    }
}
