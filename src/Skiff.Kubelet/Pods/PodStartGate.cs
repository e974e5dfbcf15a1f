namespace Skiff.Kubelet.Pods;

/// <summary>
/// Limits how many pod sandboxes are being created at once on this node. A sandbox start is the runtime's heaviest step
/// (a network namespace, the CNI plugins, a shim, runc and the pause process, nearly all of it kernel time), and on a
/// small node a burst of pods all starting together costs more CPU per pod (the runtimes' Go processes spin and contend
/// for the cores) and makes every pod wait for the slowest: with a few slots the pods come up one after the other and
/// the burst as a whole finishes sooner. Image pulls, volume set-up and hooks are never inside the gate.
/// </summary>
/// <remarks>
/// A slot held longer than the hold limit stops counting (it is handed to the next waiter), so a runtime call that
/// hangs holds up no other pod for longer than that. Thread-safe; waiters are served in arrival order.
/// </remarks>
internal sealed class PodStartGate
{
    private readonly SemaphoreSlim? _slots;
    private readonly TimeSpan _holdLimit;
    private readonly TimeProvider _time;

    /// <param name="slots">Sandboxes started at once; 0 or less means no limit.</param>
    /// <param name="holdLimit">How long one start may keep its slot before the slot goes to the next pod.</param>
    public PodStartGate(int slots, TimeSpan holdLimit, TimeProvider time)
    {
        _slots = slots > 0 ? new SemaphoreSlim(slots, slots) : null;
        _holdLimit = holdLimit;
        _time = time;
    }

    /// <summary>Slots free now (for tests); <see cref="int.MaxValue"/> without a limit.</summary>
    public int Free => _slots?.CurrentCount ?? int.MaxValue;

    /// <summary>Waits for a slot; disposing the result gives it back (once, however often it is disposed).</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        if (_slots is null)
        {
            return Slot.None;
        }

        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Slot(_slots, _holdLimit, _time);
    }

    private sealed class Slot : IDisposable
    {
        public static readonly IDisposable None = new Slot(null, Timeout.InfiniteTimeSpan, TimeProvider.System);

        private readonly SemaphoreSlim? _slots;
        private readonly ITimer? _expiry;
        private int _released;

        public Slot(SemaphoreSlim? slots, TimeSpan holdLimit, TimeProvider time)
        {
            _slots = slots;
            if (slots is not null && holdLimit > TimeSpan.Zero && holdLimit != Timeout.InfiniteTimeSpan)
            {
                _expiry = time.CreateTimer(static state => ((Slot)state!).Release(), this, holdLimit, Timeout.InfiniteTimeSpan);
            }
        }

        public void Dispose()
        {
            _expiry?.Dispose();
            Release();
        }

        private void Release()
        {
            if (_slots is not null && Interlocked.Exchange(ref _released, 1) == 0)
            {
                _slots.Release();
            }
        }
    }
}
