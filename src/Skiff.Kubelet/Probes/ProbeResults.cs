using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Skiff.Kubelet.Probes;

/// <summary>
/// The latest probe result per container and probe type (the kubelet's results.Manager, one store for all three
/// types). Every change is published once on <see cref="Updates"/> (for the single consumer that acts on it: the pod
/// worker restarts a container on a liveness or startup <see cref="ProbeResult.Failure"/> and writes readiness into
/// the pod's status) and raised on <see cref="Changed"/>.
/// </summary>
/// <remarks>Thread-safe. Setting the same result again publishes nothing.</remarks>
internal sealed class ProbeResults
{
    private readonly ConcurrentDictionary<(string ContainerId, ProbeType Type), ProbeResult> _results = new();
    private readonly Channel<ProbeUpdate> _updates = Channel.CreateUnbounded<ProbeUpdate>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Lock _lock = new();

    /// <summary>Raised after every change, on the thread that made it; handlers must return quickly.</summary>
    public event Action<ProbeUpdate>? Changed;

    /// <summary>Every change in order.</summary>
    public ChannelReader<ProbeUpdate> Updates => _updates.Reader;

    /// <summary>The result of <paramref name="type"/> for <paramref name="containerId"/>, if any has been set.</summary>
    public bool TryGet(string containerId, ProbeType type, out ProbeResult result) => _results.TryGetValue((containerId, type), out result);

    /// <summary>Sets a result; publishes an update when it differs from the stored one.</summary>
    public void Set(ProbeUpdate update)
    {
        lock (_lock)
        {
            var key = (update.ContainerId, update.Type);
            if (_results.TryGetValue(key, out var old) && old == update.Result)
            {
                return;
            }

            _results[key] = update.Result;
            _updates.Writer.TryWrite(update);
        }

        Changed?.Invoke(update);
    }

    /// <summary>Forgets the result of <paramref name="type"/> for <paramref name="containerId"/> (a container that is gone).</summary>
    public void Remove(string containerId, ProbeType type) => _results.TryRemove((containerId, type), out _);
}
