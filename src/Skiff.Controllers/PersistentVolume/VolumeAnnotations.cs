namespace Skiff.Controllers.PersistentVolume;

/// <summary>The annotations of Kubernetes' volume binding protocol (storage helpers and the volume scheduling contract).</summary>
internal static class VolumeAnnotations
{
    /// <summary>On a claim: the PV controller finished binding it; its absence means the claim is not bound yet.</summary>
    public const string BindCompleted = "pv.kubernetes.io/bind-completed";

    /// <summary>On a volume or claim: the controller (not a user) set claimRef or volumeName, so it may also undo it.</summary>
    public const string BoundByController = "pv.kubernetes.io/bound-by-controller";

    /// <summary>On a volume: the provisioner that created it, and that deletes it on reclaim Delete.</summary>
    public const string ProvisionedBy = "pv.kubernetes.io/provisioned-by";

    /// <summary>On a claim: the provisioner asked to provision it.</summary>
    public const string StorageProvisioner = "volume.kubernetes.io/storage-provisioner";

    public const string BetaStorageProvisioner = "volume.beta.kubernetes.io/storage-provisioner";

    /// <summary>On a claim of a WaitForFirstConsumer class: the node the scheduler chose, where it is to be provisioned.</summary>
    public const string SelectedNode = "volume.kubernetes.io/selected-node";

    /// <summary>The class of claims and volumes written before spec.storageClassName existed.</summary>
    public const string BetaStorageClass = "volume.beta.kubernetes.io/storage-class";

    public const string DefaultClass = "storageclass.kubernetes.io/is-default-class";

    public const string BetaDefaultClass = "storageclass.beta.kubernetes.io/is-default-class";

    /// <summary>The finalizer that keeps a claim while a pod uses it (StorageObjectInUseProtection).</summary>
    public const string PvcProtectionFinalizer = "kubernetes.io/pvc-protection";

    /// <summary>The finalizer that keeps a volume while it is bound.</summary>
    public const string PvProtectionFinalizer = "kubernetes.io/pv-protection";

    /// <summary>The node label a provisioned local volume is pinned by.</summary>
    public const string HostnameLabel = "kubernetes.io/hostname";
}
