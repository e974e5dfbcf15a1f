using k8s.Models;
using Skiff.Api.Resources;
using Skiff.ApiServer.Registry.Autoscaling;
using Skiff.ApiServer.Registry.Events;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// The served versions that share another version's storage — autoscaling/v1 HPAs stored as autoscaling/v2,
/// events.k8s.io/v1 Events stored as core/v1 Events, as kube-apiserver stores them — and their conversions.
/// </summary>
internal sealed class StorageConversions(ApiServerOptions options, FieldChecker fieldChecker, TimeProvider time)
{
    /// <summary>The handler of <paramref name="info"/> on its storage version's store, or null when no conversion is known.</summary>
    public IResourceHandler? Create(ResourceInfo info, IReadOnlyDictionary<Type, object> stores, IReadOnlyDictionary<Type, Type> strategies)
    {
        if (info.Type == typeof(V1HorizontalPodAutoscaler) && stores.TryGetValue(typeof(V2HorizontalPodAutoscaler), out var hpa))
        {
            return ResourceRegistry.CreateConverted<V1HorizontalPodAutoscaler, V2HorizontalPodAutoscaler>(
                info, hpa, HorizontalPodAutoscalerConversion.ToV2, HorizontalPodAutoscalerConversion.ToV1, Strategy<V1HorizontalPodAutoscaler>(info, strategies), options, fieldChecker, time);
        }

        if (info.Type == typeof(Eventsv1Event) && stores.TryGetValue(typeof(Corev1Event), out var events))
        {
            return ResourceRegistry.CreateConverted<Eventsv1Event, Corev1Event>(
                info, events, EventConversion.ToCore, EventConversion.ToEvents, Strategy<Eventsv1Event>(info, strategies), options, fieldChecker, time);
        }

        return null;
    }

    private static ResourceStrategy<T>? Strategy<T>(ResourceInfo info, IReadOnlyDictionary<Type, Type> strategies)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        if (!strategies.TryGetValue(typeof(T), out var type))
        {
            return null;
        }

        var s = (ResourceStrategy<T>)Activator.CreateInstance(type, nonPublic: true)!;
        s.Info = info;
        return s;
    }
}
