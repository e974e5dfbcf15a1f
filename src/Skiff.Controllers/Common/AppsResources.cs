using Skiff.Client.Api;

namespace Skiff.Controllers.Common;

/// <summary>The resources the DaemonSet and StatefulSet controllers read and write beyond <see cref="ApiResource"/>'s set.</summary>
internal static class AppsResources
{
    public static readonly ApiResource DaemonSets = new("apps", "v1", "daemonsets", "DaemonSet", true);
    public static readonly ApiResource StatefulSets = new("apps", "v1", "statefulsets", "StatefulSet", true);
    public static readonly ApiResource PersistentVolumeClaims = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true);
}
