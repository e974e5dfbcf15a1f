using k8s;
using k8s.Models;

namespace Skiff.Client.Events;

/// <summary>
/// Records core/v1 Events about objects (client-go's record.EventRecorder). Never blocks and never throws:
/// events are written in the background, and lost if the API server cannot take them.
/// </summary>
public interface IEventRecorder
{
    /// <summary>Records an event; <paramref name="type"/> is <c>Normal</c> or <c>Warning</c>.</summary>
    void Event(IKubernetesObject<V1ObjectMeta> obj, string type, string reason, string message);
}
