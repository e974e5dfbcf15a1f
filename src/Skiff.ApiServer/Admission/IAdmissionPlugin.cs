namespace Skiff.ApiServer.Admission;

/// <summary>
/// An admission plugin. A plugin implements <see cref="IMutatingAdmissionPlugin"/>, <see cref="IValidatingAdmissionPlugin"/>
/// or both; the chain runs every mutating step first, then every validating step, each in kube-apiserver's plugin order
/// (<see cref="AdmissionChain.Order"/>). A plugin rejects a request by throwing an <see cref="Http.ApiException"/>
/// (usually 403 Forbidden naming the object and the reason). Plugins are singletons and must be thread-safe.
/// </summary>
public interface IAdmissionPlugin
{
    /// <summary>The Kubernetes plugin name (e.g. "LimitRanger", "ResourceQuota"); it fixes the plugin's place in the chain.</summary>
    string Name { get; }

    /// <summary>Whether the plugin cares about this request; cheap, no I/O.</summary>
    bool Handles(AdmissionAttributes attributes);
}
