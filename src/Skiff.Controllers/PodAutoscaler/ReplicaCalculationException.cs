namespace Skiff.Controllers.PodAutoscaler;

/// <summary>No replica count could be computed for a metric; the message is kube's.</summary>
internal sealed class ReplicaCalculationException(string message) : Exception(message);
