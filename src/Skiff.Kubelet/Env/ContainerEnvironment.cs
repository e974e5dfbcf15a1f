namespace Skiff.Kubelet.Env;

/// <summary>
/// The resolved environment of one container: the variables in the order the container sees them (envFrom keys,
/// then env entries in declaration order, later definitions replacing earlier ones in place, then the service
/// variables the container did not define), plus the events to record about the pod.
/// </summary>
internal sealed record ContainerEnvironment(IReadOnlyList<KeyValuePair<string, string>> Variables, IReadOnlyList<EnvEvent> Events)
{
    /// <summary>The variables as a name → value map (the last definition of a name wins).</summary>
    public IReadOnlyDictionary<string, string> ToDictionary()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in Variables)
        {
            map[k] = v;
        }

        return map;
    }

    /// <summary>The variables as <c>NAME=value</c> strings, the form a process environment (and CRI's KeyValue list) takes.</summary>
    public IReadOnlyList<string> ToStrings() => Variables.Select(kv => kv.Key + "=" + kv.Value).ToList();
}
