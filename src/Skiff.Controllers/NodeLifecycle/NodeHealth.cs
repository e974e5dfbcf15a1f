using k8s.Models;

namespace Skiff.Controllers.NodeLifecycle;

/// <summary>
/// What the controller last saw of a node (kube's nodeHealthData): the Ready condition's heartbeat, the Lease's
/// renew time, and when either last moved by the controller's own clock, which alone decides staleness.
/// </summary>
internal sealed class NodeHealth
{
    public DateTimeOffset ProbeTimestamp { get; set; }

    public DateTimeOffset ReadyTransitionTimestamp { get; set; }

    public V1NodeCondition? SavedReady { get; set; }

    public DateTime? LeaseRenewTime { get; set; }
}
