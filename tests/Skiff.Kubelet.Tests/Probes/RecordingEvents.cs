using k8s;
using k8s.Models;
using Skiff.Client.Events;

namespace Skiff.Kubelet.Tests.Probes;

internal sealed class RecordingEvents : IEventRecorder
{
    public List<string> Events { get; } = [];

    public void Event(IKubernetesObject<V1ObjectMeta> obj, string type, string reason, string message)
    {
        lock (Events)
        {
            Events.Add($"{type} {reason} {message}");
        }
    }
}
