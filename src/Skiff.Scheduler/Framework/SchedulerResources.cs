using Skiff.Client.Api;

namespace Skiff.Scheduler.Framework;

/// <summary>The resources beyond pods, nodes and namespaces the scheduler reads and writes (Skiff.Client's catalog names only the controllers' ones).</summary>
internal static class SchedulerResources
{
    public static readonly ApiResource PersistentVolumes = new("", "v1", "persistentvolumes", "PersistentVolume", false);
    public static readonly ApiResource PersistentVolumeClaims = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true);
    public static readonly ApiResource StorageClasses = new("storage.k8s.io", "v1", "storageclasses", "StorageClass", false);
    public static readonly ApiResource StatefulSets = new("apps", "v1", "statefulsets", "StatefulSet", true);
    public static readonly ApiResource PodDisruptionBudgets = new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true);
}
