using k8s;
using k8s.Models;
using Skiff.Client.Events;

namespace Skiff.Client.Tests.Fakes;

/// <summary>Collects events as "Type Reason Message".</summary>
public sealed class FakeEventRecorder : IEventRecorder
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
