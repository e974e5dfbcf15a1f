namespace Skiff.ApiServer.Registry.Core.Services;

/// <summary>A cluster IP or node port could not be allocated; the message is Kubernetes' text for the field error.</summary>
internal sealed class AllocationException(string message) : Exception(message);
