using k8s.Models;

namespace Skiff.ApiServer.Admission;

/// <summary>
/// The mutating admission steps a create goes through after defaulting and before the strategy, in
/// kube-apiserver's order (so far: Priority for pods).
/// </summary>
internal sealed class CreateAdmission(PriorityAdmission priority)
{
    public void AdmitCreate(object obj)
    {
        if (obj is V1Pod pod)
        {
            priority.AdmitPod(pod);
        }
    }
}
