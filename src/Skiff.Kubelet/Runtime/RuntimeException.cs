namespace Skiff.Kubelet.Runtime;

/// <summary>A container runtime call failed; <see cref="Exception.Message"/> carries the runtime's own text.</summary>
internal sealed class RuntimeException(string operation, string message, bool notFound, Exception? inner = null)
    : Exception($"{operation}: {message}", inner)
{
    /// <summary>The runtime's message alone, without the operation (what kubelet puts in a waiting reason's message).</summary>
    public string RuntimeMessage { get; } = message;

    /// <summary>The runtime answered NotFound (the object is gone).</summary>
    public bool NotFound { get; } = notFound;
}
