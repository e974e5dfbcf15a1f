using k8s.Models;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>
/// The pod template of a workload object (pod-security-admission's pod controllers: Deployments, ReplicaSets,
/// StatefulSets, DaemonSets, Jobs, CronJobs, ReplicationControllers and PodTemplates), or null for anything else.
/// </summary>
internal static class PodTemplates
{
    public static V1PodTemplateSpec? Of(object? obj) => obj switch
    {
        V1Deployment d => d.Spec?.Template,
        V1ReplicaSet r => r.Spec?.Template,
        V1StatefulSet s => s.Spec?.Template,
        V1DaemonSet d => d.Spec?.Template,
        V1Job j => j.Spec?.Template,
        V1CronJob c => c.Spec?.JobTemplate?.Spec?.Template,
        V1ReplicationController rc => rc.Spec?.Template,
        V1PodTemplate t => t.Template,
        _ => null,
    };
}
