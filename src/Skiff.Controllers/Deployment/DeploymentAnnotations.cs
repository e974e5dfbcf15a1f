namespace Skiff.Controllers.Deployment;

/// <summary>The annotations and labels the Deployment controller reads and writes (kube-controller-manager's deployment/util).</summary>
internal static class DeploymentAnnotations
{
    public const string Revision = "deployment.kubernetes.io/revision";
    public const string RevisionHistory = "deployment.kubernetes.io/revision-history";
    public const string DesiredReplicas = "deployment.kubernetes.io/desired-replicas";
    public const string MaxReplicas = "deployment.kubernetes.io/max-replicas";
    public const string PodTemplateHash = "pod-template-hash";
    public const string LastAppliedConfig = "kubectl.kubernetes.io/last-applied-configuration";

    /// <summary>Deployment annotations that are not copied onto its ReplicaSets (skipCopyAnnotation).</summary>
    public static bool SkipCopy(string key) =>
        key is LastAppliedConfig or Revision or RevisionHistory or DesiredReplicas or MaxReplicas || key.StartsWith("deprecated.deployment.rollback", StringComparison.Ordinal);
}
