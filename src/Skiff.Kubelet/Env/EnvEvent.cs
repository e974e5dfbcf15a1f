namespace Skiff.Kubelet.Env;

/// <summary>An event the kubelet records about the pod while resolving its environment (e.g. skipped envFrom keys).</summary>
/// <param name="Type"><c>Normal</c> or <c>Warning</c>.</param>
/// <param name="Reason">The event reason, e.g. <c>InvalidEnvironmentVariableNames</c>.</param>
/// <param name="Message">The kubelet's message text.</param>
internal sealed record EnvEvent(string Type, string Reason, string Message);
