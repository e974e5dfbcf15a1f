using k8s.Models;

namespace Skiff.ApiServer.Authorization;

/// <summary>The API objects a pod spec uses, as the Node authorizer's graph records them.</summary>
internal static class PodReferences
{
    private static IEnumerable<V1Container> Containers(V1PodSpec spec) => (spec.InitContainers ?? []).Concat(spec.Containers ?? []);

    public static HashSet<string> Secrets(V1PodSpec spec)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in spec.ImagePullSecrets ?? [])
        {
            Add(names, s.Name);
        }

        foreach (var v in spec.Volumes ?? [])
        {
            Add(names, v.Secret?.SecretName);
            Add(names, v.Csi?.NodePublishSecretRef?.Name);
            foreach (var p in v.Projected?.Sources ?? [])
            {
                Add(names, p.Secret?.Name);
            }
        }

        foreach (var c in Containers(spec).Concat((spec.EphemeralContainers ?? []).Select(e => new V1Container { Name = e.Name, Env = e.Env, EnvFrom = e.EnvFrom })))
        {
            foreach (var e in c.Env ?? [])
            {
                Add(names, e.ValueFrom?.SecretKeyRef?.Name);
            }

            foreach (var e in c.EnvFrom ?? [])
            {
                Add(names, e.SecretRef?.Name);
            }
        }

        return names;
    }

    public static HashSet<string> ConfigMaps(V1PodSpec spec)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in spec.Volumes ?? [])
        {
            Add(names, v.ConfigMap?.Name);
            foreach (var p in v.Projected?.Sources ?? [])
            {
                Add(names, p.ConfigMap?.Name);
            }
        }

        foreach (var c in Containers(spec).Concat((spec.EphemeralContainers ?? []).Select(e => new V1Container { Name = e.Name, Env = e.Env, EnvFrom = e.EnvFrom })))
        {
            foreach (var e in c.Env ?? [])
            {
                Add(names, e.ValueFrom?.ConfigMapKeyRef?.Name);
            }

            foreach (var e in c.EnvFrom ?? [])
            {
                Add(names, e.ConfigMapRef?.Name);
            }
        }

        return names;
    }

    /// <summary>Claims a pod uses, including the claim an ephemeral volume makes (named POD-VOLUME).</summary>
    public static HashSet<string> Claims(V1PodSpec spec, string podName)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var v in spec.Volumes ?? [])
        {
            Add(names, v.PersistentVolumeClaim?.ClaimName);
            if (v.Ephemeral is not null)
            {
                names.Add($"{podName}-{v.Name}");
            }
        }

        return names;
    }

    private static void Add(HashSet<string> names, string? name)
    {
        if (!string.IsNullOrEmpty(name))
        {
            names.Add(name);
        }
    }
}
