namespace Skiff.ApiServer.Admission;

/// <summary>
/// The ordered admission chain every write goes through (kube-apiserver's admission handler): the registry store
/// calls <see cref="MutateAsync"/> after defaulting and before the resource strategy prepares the object, and
/// <see cref="ValidateAsync"/> after the strategy validated it and before the store write; deletes go through both
/// phases with no object and the stored one as the old object.
/// </summary>
internal sealed class AdmissionChain
{
    /// <summary>
    /// kube-apiserver's plugin order (pkg/kubeapiserver/options/plugins.go, AllOrderedPlugins). Plugins Skiff does not
    /// have are listed anyway so a new one drops into its Kubernetes place by name alone; webhooks and ResourceQuota
    /// stay last so quota is charged only for requests every other plugin accepted.
    /// </summary>
    public static readonly IReadOnlyList<string> Order =
    [
        "NamespaceLifecycle", "LimitRanger", "ServiceAccount", "NodeRestriction", "TaintNodesByCondition", "PodSecurity",
        "Priority", "DefaultTolerationSeconds", "PodTolerationRestriction", "ExtendedResourceToleration", "DefaultStorageClass",
        "StorageObjectInUseProtection", "OwnerReferencesPermissionEnforcement", "PersistentVolumeClaimResize", "RuntimeClass",
        "CertificateApproval", "CertificateSigning", "ClusterTrustBundleAttest", "CertificateSubjectRestriction",
        "DefaultIngressClass", "DenyServiceExternalIPs", "PodTopologyLabels",
        "MutatingAdmissionWebhook", "ValidatingAdmissionPolicy", "ValidatingAdmissionWebhook", "ResourceQuota",
    ];

    private readonly IMutatingAdmissionPlugin[] _mutating;
    private readonly IValidatingAdmissionPlugin[] _validating;

    public AdmissionChain(IEnumerable<IAdmissionPlugin> plugins)
    {
        var ordered = plugins.Select(p => (Plugin: p, Rank: Rank(p.Name))).ToArray().OrderBy(p => p.Rank).Select(p => p.Plugin).ToArray();
        _mutating = ordered.OfType<IMutatingAdmissionPlugin>().ToArray();
        _validating = ordered.OfType<IValidatingAdmissionPlugin>().ToArray();
    }

    /// <summary>The plugin names in the order they run (mutating phase, then validating phase).</summary>
    public IEnumerable<string> Names => _mutating.Select(p => p.Name).Concat(_validating.Select(p => p.Name));

    public async ValueTask MutateAsync(AdmissionAttributes attributes, CancellationToken ct)
    {
        foreach (var plugin in _mutating)
        {
            if (plugin.Handles(attributes))
            {
                await plugin.AdmitAsync(attributes, ct).ConfigureAwait(false);
            }
        }
    }

    public async ValueTask ValidateAsync(AdmissionAttributes attributes, CancellationToken ct)
    {
        foreach (var plugin in _validating)
        {
            if (plugin.Handles(attributes))
            {
                await plugin.ValidateAsync(attributes, ct).ConfigureAwait(false);
            }
        }
    }

    private static int Rank(string name)
    {
        var i = ((IList<string>)Order).IndexOf(name);
        if (i < 0)
        {
            throw new InvalidOperationException($"admission plugin {name} has no place in AdmissionChain.Order; add it there in kube-apiserver's order");
        }

        return i;
    }
}
