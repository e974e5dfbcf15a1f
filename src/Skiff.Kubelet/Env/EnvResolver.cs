using System.Text;
using k8s.Models;

namespace Skiff.Kubelet.Env;

/// <summary>
/// Builds a container's environment as the kubelet does (makeEnvironmentVariables): envFrom sources first (in order,
/// a prefix prepended, invalid names skipped with an <c>InvalidEnvironmentVariableNames</c> event), then each env
/// entry in order (a literal value $(VAR)-expanded against the variables defined so far and the service variables;
/// or a fieldRef, resourceFieldRef, configMapKeyRef or secretKeyRef), then the service variables the container did
/// not define. A missing required ConfigMap, Secret or key fails with the kubelet's message.
/// </summary>
/// <remarks>Stateless and thread-safe; every call reads the objects afresh through <see cref="IKubeletObjectSource"/>.</remarks>
internal sealed class EnvResolver(IKubeletObjectSource objects)
{
    /// <summary>Resolves the environment of <see cref="EnvRequest.Container"/>.</summary>
    /// <exception cref="CreateContainerConfigException">a required source is missing or a reference is invalid.</exception>
    public async Task<ContainerEnvironment> ResolveAsync(EnvRequest request, CancellationToken cancellationToken)
    {
        var pod = request.Pod;
        var ns = pod.Metadata?.NamespaceProperty ?? "default";
        var container = request.Container;
        var events = new List<EnvEvent>();
        var configMaps = new Dictionary<string, V1ConfigMap>(StringComparer.Ordinal);
        var secrets = new Dictionary<string, V1Secret>(StringComparer.Ordinal);

        // Insertion-ordered map: a later definition replaces the value but keeps the first position.
        var order = new List<string>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        void Set(string k, string v)
        {
            if (!values.ContainsKey(k))
            {
                order.Add(k);
            }

            values[k] = v;
        }

        foreach (var from in container.EnvFrom ?? [])
        {
            var prefix = from.Prefix ?? "";
            if (from.ConfigMapRef is { } cmRef)
            {
                var optional = cmRef.Optional == true;
                var cm = await GetConfigMapAsync(ns, cmRef.Name, optional, configMaps, cancellationToken).ConfigureAwait(false);
                if (cm is null)
                {
                    continue;
                }

                AddAll(cm.Data, v => v, "configMap", cmRef.Name);
            }
            else if (from.SecretRef is { } sRef)
            {
                var optional = sRef.Optional == true;
                var secret = await GetSecretAsync(ns, sRef.Name, optional, secrets, cancellationToken).ConfigureAwait(false);
                if (secret is null)
                {
                    continue;
                }

                AddAll(secret.Data, v => Encoding.UTF8.GetString(v), "secret", sRef.Name);
            }

            void AddAll<T>(IDictionary<string, T>? data, Func<T, string> text, string kind, string name)
            {
                var invalid = new List<string>();
                foreach (var key in (data?.Keys ?? []).Order(StringComparer.Ordinal))
                {
                    var k = prefix + key;
                    if (!IsValidName(k, request.RelaxedNames))
                    {
                        invalid.Add(k);
                        continue;
                    }

                    Set(k, text(data![key]));
                }

                if (invalid.Count > 0)
                {
                    invalid.Sort(StringComparer.Ordinal);
                    events.Add(new EnvEvent("Warning", "InvalidEnvironmentVariableNames",
                        $"Keys [{string.Join(", ", invalid)}] from the EnvFrom {kind} {ns}/{name} were skipped since they are considered invalid environment variable names."));
                }
            }
        }

        var lookup = EnvExpansion.Lookup(values, request.ServiceEnv);
        foreach (var env in container.Env ?? [])
        {
            string value;
            if (!string.IsNullOrEmpty(env.Value))
            {
                value = EnvExpansion.Expand(env.Value, lookup);
            }
            else if (env.ValueFrom is { } from)
            {
                if (from.FieldRef is { } fieldRef)
                {
                    value = DownwardApi.FieldValue(pod, fieldRef.FieldPath, request.PodIPs, request.HostIPs);
                }
                else if (from.ResourceFieldRef is { } resRef)
                {
                    var target = string.IsNullOrEmpty(resRef.ContainerName) ? container : FindContainer(pod, resRef.ContainerName);
                    value = DownwardApi.ResourceValue(resRef, target, request.NodeAllocatable);
                }
                else if (from.ConfigMapKeyRef is { } cmKey)
                {
                    var optional = cmKey.Optional == true;
                    var cm = await GetConfigMapAsync(ns, cmKey.Name, optional, configMaps, cancellationToken).ConfigureAwait(false);
                    if (cm is null)
                    {
                        continue;
                    }

                    if (cm.Data is null || !cm.Data.TryGetValue(cmKey.Key, out var v))
                    {
                        if (optional)
                        {
                            continue;
                        }

                        throw new CreateContainerConfigException($"couldn't find key {cmKey.Key} in ConfigMap {ns}/{cmKey.Name}");
                    }

                    value = v;
                }
                else if (from.SecretKeyRef is { } sKey)
                {
                    var optional = sKey.Optional == true;
                    var secret = await GetSecretAsync(ns, sKey.Name, optional, secrets, cancellationToken).ConfigureAwait(false);
                    if (secret is null)
                    {
                        continue;
                    }

                    if (secret.Data is null || !secret.Data.TryGetValue(sKey.Key, out var bytes))
                    {
                        if (optional)
                        {
                            continue;
                        }

                        throw new CreateContainerConfigException($"couldn't find key {sKey.Key} in Secret {ns}/{sKey.Name}");
                    }

                    value = Encoding.UTF8.GetString(bytes);
                }
                else if (from.FileKeyRef is not null)
                {
                    throw new CreateContainerConfigException($"env {env.Name}: fileKeyRef is not supported by this node");
                }
                else
                {
                    value = "";
                }
            }
            else
            {
                value = "";
            }

            Set(env.Name, value);
        }

        var result = order.Select(k => new KeyValuePair<string, string>(k, values[k])).ToList();
        foreach (var (k, v) in request.ServiceEnv ?? new Dictionary<string, string>())
        {
            if (!values.ContainsKey(k))
            {
                result.Add(new KeyValuePair<string, string>(k, v));
            }
        }

        return new ContainerEnvironment(result, events);
    }

    /// <summary>
    /// Whether <paramref name="name"/> is a valid variable name: with <paramref name="relaxed"/>, any printable ASCII
    /// but '='; otherwise a C identifier.
    /// </summary>
    public static bool IsValidName(string name, bool relaxed)
    {
        if (name.Length == 0)
        {
            return false;
        }

        if (relaxed)
        {
            return name.All(c => c is >= ' ' and <= '~' && c != '=');
        }

        return (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
    }

    private static V1Container FindContainer(V1Pod pod, string name) =>
        (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []).FirstOrDefault(c => c.Name == name)
        ?? throw new CreateContainerConfigException($"container {name} not found");

    private async Task<V1ConfigMap?> GetConfigMapAsync(string ns, string name, bool optional, Dictionary<string, V1ConfigMap> cache, CancellationToken ct)
    {
        if (cache.TryGetValue(name, out var cm))
        {
            return cm;
        }

        cm = await objects.GetConfigMapAsync(ns, name, ct).ConfigureAwait(false);
        if (cm is null)
        {
            // The kubelet's configmap manager reports a missing object with the singular resource name.
            return optional ? null : throw new CreateContainerConfigException($"configmap \"{name}\" not found");
        }

        cache[name] = cm;
        return cm;
    }

    private async Task<V1Secret?> GetSecretAsync(string ns, string name, bool optional, Dictionary<string, V1Secret> cache, CancellationToken ct)
    {
        if (cache.TryGetValue(name, out var s))
        {
            return s;
        }

        s = await objects.GetSecretAsync(ns, name, ct).ConfigureAwait(false);
        if (s is null)
        {
            return optional ? null : throw new CreateContainerConfigException($"secret \"{name}\" not found");
        }

        cache[name] = s;
        return s;
    }
}
