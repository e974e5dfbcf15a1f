namespace Skiff.ApiServer.Admission;

/// <summary>The operation an admission plugin is asked about, as in Kubernetes' admission.Operation.</summary>
public enum AdmissionOperation
{
    Create,
    Update,
    Delete,
    Connect,
}
