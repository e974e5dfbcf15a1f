namespace Skiff.Scheduler.Framework;

/// <summary>
/// Per-pod scratch space of one scheduling cycle (kube-scheduler's framework.CycleState): PreFilter and
/// PreScore store what they computed once so Filter and Score, called per node, only look it up. Not shared
/// between cycles; reads from parallel Filter calls are safe because writes happen before them.
/// </summary>
internal sealed class CycleState
{
    private readonly Dictionary<string, object> _data = new(StringComparer.Ordinal);

    /// <summary>Plugins whose PreFilter returned Skip; the framework does not call their Filter.</summary>
    public HashSet<string> SkipFilterPlugins { get; } = new(StringComparer.Ordinal);

    /// <summary>Plugins whose PreScore returned Skip; the framework does not call their Score.</summary>
    public HashSet<string> SkipScorePlugins { get; } = new(StringComparer.Ordinal);

    public void Write(string key, object value) => _data[key] = value;

    public T? Read<T>(string key)
        where T : class => _data.TryGetValue(key, out var v) ? v as T : null;

    /// <summary>A copy whose <see cref="ICycleStateData"/> entries are copied too; other entries are shared (read-only after PreFilter).</summary>
    public CycleState Clone()
    {
        var copy = new CycleState();
        foreach (var (k, v) in _data)
        {
            copy._data[k] = v is ICycleStateData data ? data.Clone() : v;
        }

        copy.SkipFilterPlugins.UnionWith(SkipFilterPlugins);
        copy.SkipScorePlugins.UnionWith(SkipScorePlugins);
        return copy;
    }
}
