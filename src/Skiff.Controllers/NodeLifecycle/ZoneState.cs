namespace Skiff.Controllers.NodeLifecycle;

/// <summary>A zone's health as kube's node lifecycle controller grades it (ComputeZoneState).</summary>
internal enum ZoneState
{
    /// <summary>Tainting at the normal rate.</summary>
    Normal,

    /// <summary>More than two nodes and at least the unhealthy threshold of them not ready: tainting slows or stops.</summary>
    PartialDisruption,

    /// <summary>No node of the zone is ready; when every zone is like this nothing is tainted NoExecute at all.</summary>
    FullDisruption,
}
