namespace Skiff.Kubelet.Pods;

/// <summary>The labels and annotations kubelet puts on CRI sandboxes and containers to find them again (after a restart too).</summary>
internal static class KubeletLabels
{
    public const string PodName = "io.kubernetes.pod.name";
    public const string PodNamespace = "io.kubernetes.pod.namespace";
    public const string PodUid = "io.kubernetes.pod.uid";
    public const string ContainerName = "io.kubernetes.container.name";
    public const string ContainerType = "io.kubernetes.container.type";
    public const string RestartCount = "io.kubernetes.container.restartCount";
    public const string TerminationGracePeriod = "io.kubernetes.pod.terminationGracePeriod";
}
