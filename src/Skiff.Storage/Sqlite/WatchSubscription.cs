using System.Threading.Channels;

namespace Skiff.Storage.Sqlite;

/// <summary>
/// One watcher's live feed: a bounded buffer the writer fills without ever waiting. When it is full the
/// subscription is completed with <see cref="WatchOverflowException"/>; the reader still gets the buffered events first.
/// </summary>
internal sealed class WatchSubscription : IDisposable
{
    private readonly WatchHub _hub;
    private readonly Channel<StoreEvent> _channel;

    public WatchSubscription(WatchHub hub, string prefix, int capacity)
    {
        _hub = hub;
        Prefix = prefix;
        Capacity = capacity;
        _channel = Channel.CreateBounded<StoreEvent>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public string Prefix { get; }

    public int Capacity { get; }

    public ChannelReader<StoreEvent> Reader => _channel.Reader;

    /// <summary>Offers an event; false when the buffer is full. Called by the writer only.</summary>
    public bool TryWrite(StoreEvent e) => _channel.Writer.TryWrite(e);

    public void Complete(Exception error) => _channel.Writer.TryComplete(error);

    public void Dispose() => _hub.Remove(this);
}
