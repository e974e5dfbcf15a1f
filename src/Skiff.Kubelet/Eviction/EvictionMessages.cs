using k8s.Models;

namespace Skiff.Kubelet.Eviction;

/// <summary>kubelet's eviction texts (pkg/kubelet/eviction/helpers.go), including their trailing spaces.</summary>
internal static class EvictionMessages
{
    /// <summary>
    /// The message of a pod evicted for <paramref name="resource"/>: <c>The node was low on resource: R. Threshold
    /// quantity: Q, available: A. </c> then, for each container using more than it requests, <c>Container C was using
    /// U, request is Q, has larger consumption of R. </c> (as kubelet's evictionMessage).
    /// </summary>
    public static string NodeLow(string resource, V1Pod pod, PodUsage? usage, Threshold? threshold, SignalObservation? observed)
    {
        var message = $"The node was low on resource: {resource}. ";
        if (threshold is not null && observed is not null)
        {
            message += $"Threshold quantity: {Skiff.Api.Printing.QuantityText.BinarySI(threshold.Value.Resolve(observed.Capacity))}, available: {Skiff.Api.Printing.QuantityText.BinarySI(observed.Available)}. ";
        }

        if (usage is null)
        {
            return message;
        }

        var perContainer = resource switch
        {
            "memory" => usage.ContainerMemory,
            "ephemeral-storage" => usage.ContainerDisk,
            _ => null,
        };
        if (perContainer is null)
        {
            return message;
        }

        foreach (var container in pod.Spec.Containers)
        {
            if (!perContainer.TryGetValue(container.Name, out var used))
            {
                continue;
            }

            var request = container.Resources?.Requests?.TryGetValue(resource, out var q) == true ? q : null;
            var requested = request is null ? 0 : (long)Math.Ceiling(request.ToDecimal());
            if (used > requested)
            {
                message += $"Container {container.Name} was using {Skiff.Api.Printing.QuantityText.BinarySI(used)}, request is {request?.ToString() ?? "0"}, has larger consumption of {resource}. ";
            }
        }

        return message;
    }

    /// <summary>An emptyDir over its sizeLimit.</summary>
    public static string EmptyDir(string volume, string limit) => $"Usage of EmptyDir volume \"{volume}\" exceeds the limit \"{limit}\". ";

    /// <summary>A pod over the sum of its containers' ephemeral-storage limits.</summary>
    public static string PodEphemeralStorage(string limit) => $"Pod ephemeral local storage usage exceeds the total limit of containers {limit}. ";

    /// <summary>A container over its own ephemeral-storage limit.</summary>
    public static string ContainerEphemeralStorage(string container, string limit) => $"Container {container} exceeded its local ephemeral storage limit \"{limit}\". ";

    /// <summary>The node event when reclaim starts.</summary>
    public static string AttemptingToReclaim(string resource) => $"Attempting to reclaim {resource}";

    /// <summary>The reason and message of a pressure condition, True or False (kubelet's node status setters).</summary>
    public static (string Reason, string Message) Condition(string type, bool pressure) => (type, pressure) switch
    {
        (EvictionSignal.MemoryPressure, true) => ("KubeletHasInsufficientMemory", "kubelet has insufficient memory available"),
        (EvictionSignal.MemoryPressure, false) => ("KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        (EvictionSignal.DiskPressure, true) => ("KubeletHasDiskPressure", "kubelet has disk pressure"),
        (EvictionSignal.DiskPressure, false) => ("KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        (EvictionSignal.PidPressure, true) => ("KubeletHasInsufficientPID", "kubelet has insufficient PID available"),
        _ => ("KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    };

    /// <summary>The reason of the node event recorded when a pressure condition changes (NodeHasDiskPressure, NodeHasNoDiskPressure, ...).</summary>
    public static string NodeEventReason(string type, bool pressure) => (type, pressure) switch
    {
        (EvictionSignal.MemoryPressure, true) => "NodeHasInsufficientMemory",
        (EvictionSignal.MemoryPressure, false) => "NodeHasSufficientMemory",
        (EvictionSignal.DiskPressure, true) => "NodeHasDiskPressure",
        (EvictionSignal.DiskPressure, false) => "NodeHasNoDiskPressure",
        (EvictionSignal.PidPressure, true) => "NodeHasInsufficientPID",
        _ => "NodeHasSufficientPID",
    };
}
