namespace Skiff.Kubelet.Env;

/// <summary>
/// A container's configuration cannot be generated (a missing ConfigMap, Secret or key, a bad field path).
/// The kubelet reports this as the waiting reason <c>CreateContainerConfigError</c> with <see cref="Exception.Message"/>
/// as the message, and retries on the next sync; the messages are the kubelet's own
/// (e.g. <c>configmap "x" not found</c>, <c>couldn't find key y in ConfigMap ns/x</c>).
/// </summary>
internal sealed class CreateContainerConfigException(string message) : Exception(message)
{
    /// <summary>The container waiting reason the kubelet shows for this error.</summary>
    public const string Reason = "CreateContainerConfigError";
}
