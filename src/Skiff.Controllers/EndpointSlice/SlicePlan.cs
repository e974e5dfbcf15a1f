using k8s.Models;

namespace Skiff.Controllers.EndpointSlice;

/// <summary>The writes one EndpointSlice sync issues: slices to update in place, to create and to delete.</summary>
internal sealed class SlicePlan
{
    public List<V1EndpointSlice> Update { get; } = [];

    public List<V1EndpointSlice> Create { get; } = [];

    public List<V1EndpointSlice> Delete { get; } = [];
}
