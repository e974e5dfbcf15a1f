using k8s.Models;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Admission;

/// <summary>
/// The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount): a new pod runs as
/// <c>spec.serviceAccountName</c>, defaulted to <c>default</c>; the account must exist; and unless the pod or its
/// account sets <c>automountServiceAccountToken: false</c>, every container and init container gets the projected
/// <c>kube-api-access-XXXXX</c> volume (a bound token, the cluster CA from <c>kube-root-ca.crt</c>, the namespace)
/// read-only at /var/run/secrets/kubernetes.io/serviceaccount. Mirror pods are left alone.
/// </summary>
/// <remarks>
/// One deviation: a missing <c>default</c> account is not an error. kube-apiserver rejects the pod and the client
/// retries; here the namespace's <c>default</c> account is created by the controller manager, which an API server
/// started alone (tests, <c>--disable-controller-manager</c>) does not run, and the token volume only needs the
/// account when the kubelet asks for the token.
/// </remarks>
internal sealed class ServiceAccountAdmission(RegistryAccess access) : IMutatingAdmissionPlugin
{
    public const string DefaultServiceAccountName = "default";
    public const string VolumePrefix = "kube-api-access-";
    public const string MountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>kube-apiserver's projected token lifetime: an hour plus seven seconds, so it can tell projected tokens apart.</summary>
    public const long TokenExpirationSeconds = 3607;

    public const string RootCaConfigMap = "kube-root-ca.crt";
    private const string MirrorAnnotation = "kubernetes.io/config.mirror";

    public string Name => "ServiceAccount";

    public bool Handles(AdmissionAttributes attributes) =>
        attributes.Operation == AdmissionOperation.Create && attributes.Subresource is null && attributes.Object is V1Pod;

    public async ValueTask AdmitAsync(AdmissionAttributes attributes, CancellationToken ct)
    {
        var pod = (V1Pod)attributes.Object!;
        if (pod.Metadata?.Annotations?.ContainsKey(MirrorAnnotation) == true)
        {
            return;
        }

        var spec = pod.Spec ??= new V1PodSpec();
        if (string.IsNullOrEmpty(spec.ServiceAccountName))
        {
            spec.ServiceAccountName = DefaultServiceAccountName;
        }

        // The deprecated alias the API still returns (kubectl get -o yaml shows both).
        if (string.IsNullOrEmpty(spec.ServiceAccount))
        {
            spec.ServiceAccount = spec.ServiceAccountName;
        }

        var ns = attributes.Namespace ?? pod.Metadata?.NamespaceProperty ?? "default";
        var store = access.Store<V1ServiceAccount>();
        var account = store.Cache.Get(store.Key(ns, spec.ServiceAccountName)) is { } o ? store.Decode(o) : null;
        if (account is null)
        {
            // Like kube-apiserver's live lookup after a lister miss: an account created a moment ago may not be
            // in the cache yet, so ask for a consistent read before refusing the pod.
            try
            {
                account = store.Decode(await store.GetAsync(ns, spec.ServiceAccountName, "", ct).ConfigureAwait(false));
            }
            catch (ApiException e) when (e.Code == 404)
            {
            }
        }

        if (account is null && spec.ServiceAccountName != DefaultServiceAccountName)
        {
            throw new ApiException(403, "Forbidden",
                $"pods \"{pod.Metadata?.Name ?? pod.Metadata?.GenerateName}\" is forbidden: error looking up service account {ns}/{spec.ServiceAccountName}: serviceaccount \"{spec.ServiceAccountName}\" not found",
                new V1StatusDetails { Name = pod.Metadata?.Name, Kind = "pods" });
        }

        if (ShouldAutomount(account, pod))
        {
            MountToken(pod);
        }
    }

    /// <summary>The pod's setting wins, then the account's; the default is to mount.</summary>
    internal static bool ShouldAutomount(V1ServiceAccount? account, V1Pod pod) =>
        pod.Spec?.AutomountServiceAccountToken ?? account?.AutomountServiceAccountToken ?? true;

    /// <summary>
    /// Adds the mount to every container without something already at the token path, and the volume when one got
    /// the mount; an existing <c>kube-api-access-</c> volume is reused (a pod copied from another's spec).
    /// </summary>
    internal static void MountToken(V1Pod pod)
    {
        var spec = pod.Spec;
        var volumes = spec.Volumes ?? [];
        var existing = volumes.FirstOrDefault(v => v.Name.StartsWith(VolumePrefix, StringComparison.Ordinal));
        var volumeName = existing?.Name ?? NameGenerator.Generate(VolumePrefix);
        var needsVolume = false;
        foreach (var container in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
        {
            container.VolumeMounts ??= [];
            if (container.VolumeMounts.Any(m => m.MountPath == MountPath))
            {
                continue;
            }

            container.VolumeMounts.Add(new V1VolumeMount { Name = volumeName, ReadOnlyProperty = true, MountPath = MountPath });
            needsVolume = true;
        }

        if (existing is null && needsVolume)
        {
            spec.Volumes = volumes;
            spec.Volumes.Add(TokenVolume(volumeName));
        }
    }

    private static V1Volume TokenVolume(string name) => new()
    {
        Name = name,
        Projected = new V1ProjectedVolumeSource
        {
            DefaultMode = 420,
            Sources =
            [
                new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { ExpirationSeconds = TokenExpirationSeconds, Path = "token" } },
                new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = RootCaConfigMap, Items = [new V1KeyToPath { Key = "ca.crt", Path = "ca.crt" }] } },
                new V1VolumeProjection
                {
                    DownwardAPI = new V1DownwardAPIProjection
                    {
                        Items = [new V1DownwardAPIVolumeFile { Path = "namespace", FieldRef = new V1ObjectFieldSelector { ApiVersion = "v1", FieldPath = "metadata.namespace" } }],
                    },
                },
            ],
        },
    };
}
