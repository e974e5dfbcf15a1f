using k8s.Models;

namespace Skiff.Controllers.EndpointSlice;

/// <summary>Desired endpoints sharing an address type and a resolved port set, keyed by pod (and address).</summary>
internal sealed class EndpointGroup(string addressType, List<Discoveryv1EndpointPort> ports)
{
    public string AddressType { get; } = addressType;

    public List<Discoveryv1EndpointPort> Ports { get; } = ports;

    public Dictionary<string, V1Endpoint> Endpoints { get; } = new(StringComparer.Ordinal);
}
