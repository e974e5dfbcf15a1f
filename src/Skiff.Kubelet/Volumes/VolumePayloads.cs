using System.Text;
using k8s.Models;
using Skiff.Kubelet.Env;

namespace Skiff.Kubelet.Volumes;

/// <summary>
/// The files of configMap, secret, downwardAPI and projected volumes (the kubelet plugins' MakePayload/CollectData),
/// with their messages: <c>configmap references non-existent config key: k</c>,
/// <c>references non-existent secret key: k</c>, the object-not-found messages of the env resolver, and several
/// errors of one projected volume joined as <c>[a, b]</c>. Failures throw <see cref="VolumeSetupException"/>.
/// </summary>
internal sealed class VolumePayloads(IKubeletObjectSource objects, ITokenSource tokens)
{
    /// <summary>0644, the API's default file mode for these volumes.</summary>
    public const int DefaultMode = 420;

    public async Task<Dictionary<string, FileProjection>> ConfigMapAsync(string volume, V1Pod pod, V1ConfigMapVolumeSource source, CancellationToken ct)
    {
        var optional = source.Optional == true;
        var cm = await objects.GetConfigMapAsync(Namespace(pod), source.Name, ct).ConfigureAwait(false);
        if (cm is null && !optional)
        {
            throw new VolumeSetupException(volume, $"configmap \"{source.Name}\" not found");
        }

        return Fail(volume, ConfigMapFiles(source.Items, cm, source.DefaultMode ?? DefaultMode, optional, out var error), error);
    }

    public async Task<Dictionary<string, FileProjection>> SecretAsync(string volume, V1Pod pod, V1SecretVolumeSource source, CancellationToken ct)
    {
        var optional = source.Optional == true;
        var secret = await objects.GetSecretAsync(Namespace(pod), source.SecretName, ct).ConfigureAwait(false);
        if (secret is null && !optional)
        {
            throw new VolumeSetupException(volume, $"secret \"{source.SecretName}\" not found");
        }

        return Fail(volume, SecretFiles(source.Items, secret, source.DefaultMode ?? DefaultMode, optional, out var error), error);
    }

    public static Dictionary<string, FileProjection> DownwardApi(string volume, V1Pod pod, V1DownwardAPIVolumeSource source, IDictionary<string, ResourceQuantity>? allocatable)
    {
        var errors = new List<string>();
        var files = DownwardFiles(source.Items, pod, source.DefaultMode ?? DefaultMode, allocatable, errors);
        return Fail(volume, files, errors.Count == 0 ? null : Aggregate(errors));
    }

    public async Task<Dictionary<string, FileProjection>> ProjectedAsync(string volume, V1Pod pod, V1ProjectedVolumeSource source,
        IDictionary<string, ResourceQuantity>? allocatable, CancellationToken ct)
    {
        var mode = source.DefaultMode ?? DefaultMode;
        var payload = new Dictionary<string, FileProjection>(StringComparer.Ordinal);
        var errors = new List<string>();
        foreach (var s in source.Sources ?? [])
        {
            if (s.ConfigMap is { } cmSource)
            {
                var optional = cmSource.Optional == true;
                var cm = await objects.GetConfigMapAsync(Namespace(pod), cmSource.Name, ct).ConfigureAwait(false);
                if (cm is null && !optional)
                {
                    errors.Add($"configmap \"{cmSource.Name}\" not found");
                    continue;
                }

                Merge(ConfigMapFiles(cmSource.Items, cm, mode, optional, out var error), error);
            }
            else if (s.Secret is { } sSource)
            {
                var optional = sSource.Optional == true;
                var secret = await objects.GetSecretAsync(Namespace(pod), sSource.Name, ct).ConfigureAwait(false);
                if (secret is null && !optional)
                {
                    errors.Add($"secret \"{sSource.Name}\" not found");
                    continue;
                }

                Merge(SecretFiles(sSource.Items, secret, mode, optional, out var error), error);
            }
            else if (s.DownwardAPI is { } dSource)
            {
                Merge(DownwardFiles(dSource.Items, pod, mode, allocatable, errors), null);
            }
            else if (s.ServiceAccountToken is { } token)
            {
                try
                {
                    var value = await tokens.GetTokenAsync(pod, token.Audience, token.ExpirationSeconds ?? 3600, ct).ConfigureAwait(false);
                    // With an fsGroup the token starts private (0600); the ownership pass then makes it 0640.
                    var tokenMode = pod.Spec?.SecurityContext?.FsGroup is null ? mode : 0x180;
                    payload[token.Path] = new FileProjection(Encoding.UTF8.GetBytes(value), tokenMode);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    errors.Add(ex.Message);
                }
            }
            else if (s.ClusterTrustBundle is not null)
            {
                errors.Add("clusterTrustBundle projections are not supported on this node");
            }
            else if (s.PodCertificate is not null)
            {
                errors.Add("podCertificate projections are not supported on this node");
            }
        }

        return Fail(volume, payload, errors.Count == 0 ? null : Aggregate(errors));

        void Merge(Dictionary<string, FileProjection> files, string? error)
        {
            if (error is not null)
            {
                errors.Add(error);
                return;
            }

            foreach (var (k, v) in files)
            {
                payload[k] = v;
            }
        }
    }

    private static Dictionary<string, FileProjection> ConfigMapFiles(IList<V1KeyToPath>? items, V1ConfigMap? cm, int defaultMode, bool optional, out string? error)
    {
        error = null;
        var data = cm?.Data ?? new Dictionary<string, string>();
        var binary = cm?.BinaryData ?? new Dictionary<string, byte[]>();
        var payload = new Dictionary<string, FileProjection>(StringComparer.Ordinal);
        if (items is not { Count: > 0 })
        {
            foreach (var (k, v) in data)
            {
                payload[k] = new FileProjection(Encoding.UTF8.GetBytes(v), defaultMode);
            }

            foreach (var (k, v) in binary)
            {
                payload[k] = new FileProjection(v, defaultMode);
            }

            return payload;
        }

        foreach (var item in items)
        {
            byte[] bytes;
            if (data.TryGetValue(item.Key, out var s))
            {
                bytes = Encoding.UTF8.GetBytes(s);
            }
            else if (binary.TryGetValue(item.Key, out var b))
            {
                bytes = b;
            }
            else
            {
                if (optional)
                {
                    continue;
                }

                error = $"configmap references non-existent config key: {item.Key}";
                return payload;
            }

            payload[item.Path] = new FileProjection(bytes, item.Mode ?? defaultMode);
        }

        return payload;
    }

    private static Dictionary<string, FileProjection> SecretFiles(IList<V1KeyToPath>? items, V1Secret? secret, int defaultMode, bool optional, out string? error)
    {
        error = null;
        var data = secret?.Data ?? new Dictionary<string, byte[]>();
        var payload = new Dictionary<string, FileProjection>(StringComparer.Ordinal);
        if (items is not { Count: > 0 })
        {
            foreach (var (k, v) in data)
            {
                payload[k] = new FileProjection(v, defaultMode);
            }

            return payload;
        }

        foreach (var item in items)
        {
            if (!data.TryGetValue(item.Key, out var bytes))
            {
                if (optional)
                {
                    continue;
                }

                error = $"references non-existent secret key: {item.Key}";
                return payload;
            }

            payload[item.Path] = new FileProjection(bytes, item.Mode ?? defaultMode);
        }

        return payload;
    }

    private static Dictionary<string, FileProjection> DownwardFiles(IList<V1DownwardAPIVolumeFile>? items, V1Pod pod, int defaultMode,
        IDictionary<string, ResourceQuantity>? allocatable, List<string> errors)
    {
        var payload = new Dictionary<string, FileProjection>(StringComparer.Ordinal);
        foreach (var item in items ?? [])
        {
            var path = CleanPath(item.Path);
            var mode = item.Mode ?? defaultMode;
            try
            {
                string value;
                if (item.FieldRef is { } fieldRef)
                {
                    value = Env.DownwardApi.FieldValue(pod, fieldRef.FieldPath);
                }
                else if (item.ResourceFieldRef is { } resRef)
                {
                    var container = (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []).FirstOrDefault(c => c.Name == resRef.ContainerName)
                        ?? throw new CreateContainerConfigException($"container {resRef.ContainerName} not found");
                    value = Env.DownwardApi.ResourceValue(resRef, container, allocatable);
                }
                else
                {
                    value = "";
                }

                payload[path] = new FileProjection(Encoding.UTF8.GetBytes(value), mode);
            }
            catch (CreateContainerConfigException ex)
            {
                errors.Add(ex.Message);
            }
        }

        return payload;
    }

    // filepath.Clean for the relative paths the API allows.
    private static string CleanPath(string path) =>
        string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != "."));

    private static string Aggregate(List<string> errors) => errors.Count == 1 ? errors[0] : "[" + string.Join(", ", errors) + "]";

    private static Dictionary<string, FileProjection> Fail(string volume, Dictionary<string, FileProjection> payload, string? error) =>
        error is null ? payload : throw new VolumeSetupException(volume, error);

    private static string Namespace(V1Pod pod) => pod.Metadata?.NamespaceProperty ?? "default";
}
