using k8s.Models;

namespace Skiff.Controllers.PodAutoscaler;

/// <summary>
/// The scale subresource of any scalable resource (client-go's scale client): reads and writes
/// <c>autoscaling/v1</c> Scale for a target named by apiVersion and kind. Thread-safe.
/// </summary>
internal interface IScaleClient
{
    /// <summary>The target's Scale; throws <see cref="ScaleException"/> with the server's message when it cannot.</summary>
    Task<V1Scale> GetAsync(string ns, V2CrossVersionObjectReference target, CancellationToken cancellationToken);

    /// <summary>Writes spec.replicas through the scale subresource; throws <see cref="ScaleException"/> on failure.</summary>
    Task<V1Scale> UpdateAsync(string ns, V2CrossVersionObjectReference target, V1Scale scale, CancellationToken cancellationToken);
}

/// <summary>A scale read or write failed; the message is the reason as the API server gave it.</summary>
internal sealed class ScaleException(string message) : Exception(message);
