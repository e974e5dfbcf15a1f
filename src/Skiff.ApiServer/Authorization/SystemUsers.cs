namespace Skiff.ApiServer.Authorization;

/// <summary>
/// The user names of the control-plane components (the CN of their client certificates), as Kubernetes names them in
/// k8s.io/apiserver's user package; the bootstrap policy binds each to its role, and <c>skiff server</c> mints their
/// certificates.
/// </summary>
public static class SystemUsers
{
    /// <summary>kube-controller-manager's identity (bound to <c>system:kube-controller-manager</c> and the controller roles).</summary>
    public const string KubeControllerManager = "system:kube-controller-manager";

    /// <summary>kube-scheduler's identity (bound to <c>system:kube-scheduler</c> and <c>system:volume-scheduler</c>).</summary>
    public const string KubeScheduler = "system:kube-scheduler";

    /// <summary>kube-proxy's identity (bound to <c>system:node-proxier</c>).</summary>
    public const string KubeProxy = "system:kube-proxy";

    /// <summary>
    /// The identity of Skiff's in-process cluster DNS. Kubernetes ships no user for the cluster DNS (CoreDNS runs as the
    /// service account kube-system/coredns); the in-process DNS has no pod and so no service account, and a name of its
    /// own tells an audit reader it is Skiff's DNS, not a CoreDNS someone installed.
    /// </summary>
    public const string ClusterDns = "system:skiff-dns";
}
