namespace Skiff.Controllers.PodAutoscaler;

/// <summary>A condition the autoscaler sets on an HPA's status (type AbleToScale, ScalingActive or ScalingLimited).</summary>
internal sealed record HpaCondition(string Type, string Status, string Reason, string Message);
