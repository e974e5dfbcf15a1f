using System.Globalization;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;

namespace Skiff.Client.Events;

/// <summary>
/// Writes core/v1 Events from a background loop. A repeat of an event (same object, type, reason, message and
/// source) increments the existing Event's <c>count</c> and <c>lastTimestamp</c> by a merge patch instead of
/// creating a new object, as client-go's EventCorrelator does with its events cache.
/// </summary>
public sealed partial class EventRecorder : IEventRecorder
{
    private const int MaxCachedEvents = 4096;

    private readonly IResourceClient<Corev1Event> _events;
    private readonly string _component;
    private readonly string _host;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Channel<Corev1Event> _pending = Channel.CreateBounded<Corev1Event>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Dictionary<string, (string Namespace, string Name, int Count)> _seen = new(StringComparer.Ordinal);

    public EventRecorder(IResourceClient<Corev1Event> events, string component, string host, TimeProvider timeProvider, ILogger logger)
    {
        _events = events;
        _component = component;
        _host = host;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    public void Event(IKubernetesObject<V1ObjectMeta> obj, string type, string reason, string message)
    {
        var now = _timeProvider.GetUtcNow().UtcDateTime;
        var ns = string.IsNullOrEmpty(obj.Metadata.NamespaceProperty) ? "default" : obj.Metadata.NamespaceProperty;
        var ev = new Corev1Event
        {
            Metadata = new V1ObjectMeta
            {
                // kubelet and controllers name events <object>.<unix-nanoseconds in hex>.
                Name = $"{obj.Metadata.Name}.{((now.Ticks - DateTime.UnixEpoch.Ticks) * 100).ToString("x", CultureInfo.InvariantCulture)}",
                NamespaceProperty = ns,
            },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = obj.ApiVersion,
                Kind = obj.Kind,
                Name = obj.Metadata.Name,
                NamespaceProperty = obj.Metadata.NamespaceProperty,
                Uid = obj.Metadata.Uid,
                ResourceVersion = obj.Metadata.ResourceVersion,
            },
            Type = type,
            Reason = reason,
            Message = message,
            Source = new V1EventSource { Component = _component, Host = _host },
            ReportingComponent = _component,
            ReportingInstance = _host,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        _pending.Writer.TryWrite(ev);
    }

    /// <summary>Writes recorded events until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var ev in _pending.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await WriteAsync(ev, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Writes one event now, aggregating with an earlier identical one. Exposed for tests.</summary>
    public async Task WriteAsync(Corev1Event ev, CancellationToken cancellationToken)
    {
        var key = string.Join('\u0000', ev.InvolvedObject.Kind, ev.InvolvedObject.NamespaceProperty, ev.InvolvedObject.Name, ev.InvolvedObject.Uid, ev.Type, ev.Reason, ev.Message, ev.Source.Component);
        try
        {
            if (_seen.TryGetValue(key, out var earlier))
            {
                var count = earlier.Count + 1;
                var patch = $$"""{"count":{{count}},"lastTimestamp":"{{ev.LastTimestamp!.Value.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)}}"}""";
                try
                {
                    await _events.PatchAsync(earlier.Namespace, earlier.Name, patch, cancellationToken).ConfigureAwait(false);
                    _seen[key] = (earlier.Namespace, earlier.Name, count);
                    return;
                }
                catch (ApiException ex) when (ex.IsNotFound)
                {
                    // The earlier event expired or was deleted: start a new one.
                }
            }

            var created = await _events.CreateAsync(ev, cancellationToken).ConfigureAwait(false);
            if (_seen.Count >= MaxCachedEvents)
            {
                _seen.Clear();
            }

            _seen[key] = (created.Metadata.NamespaceProperty, created.Metadata.Name, created.Count ?? 1);
        }
        catch (Exception ex) when (ex is ApiException or HttpRequestException)
        {
            Log.WriteFailed(_logger, ev.Reason, ev.InvolvedObject.Name, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "EventWriteFailed", Level = LogLevel.Debug, Message = "could not write event {Reason} for {Name}: {Error}")]
        public static partial void WriteFailed(ILogger logger, string reason, string name, string error);
    }
}
