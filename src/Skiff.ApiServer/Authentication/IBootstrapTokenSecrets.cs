using k8s.Models;

namespace Skiff.ApiServer.Authentication;

/// <summary>Looks up bootstrap token Secrets in kube-system by name.</summary>
internal interface IBootstrapTokenSecrets
{
    /// <summary>The Secret <c>kube-system/<paramref name="name"/></c>, or null.</summary>
    V1Secret? Get(string name);
}
