using k8s.Models;

namespace Skiff.ApiServer.Registry.Events;

/// <summary>
/// Converts events between events.k8s.io/v1 and the core/v1 storage form, as kube-apiserver's
/// pkg/apis/events/v1 conversions do: regarding ↔ involvedObject, note ↔ message, reportingController ↔
/// reportingComponent, deprecatedSource/FirstTimestamp/LastTimestamp/Count ↔ source/firstTimestamp/lastTimestamp/count;
/// eventTime, series, action, reason, related, type and reportingInstance carry over. Pure: inputs are not modified.
/// </summary>
internal static class EventConversion
{
    public static Corev1Event ToCore(Eventsv1Event e) => new()
    {
        ApiVersion = "v1",
        Kind = "Event",
        Metadata = CopyMeta(e.Metadata),
        InvolvedObject = Copy(e.Regarding) ?? new V1ObjectReference(),
        Related = Copy(e.Related),
        Message = e.Note,
        Reason = e.Reason,
        Type = e.Type,
        Action = e.Action,
        EventTime = e.EventTime,
        ReportingComponent = e.ReportingController,
        ReportingInstance = e.ReportingInstance,
        Source = e.DeprecatedSource is { } s ? new V1EventSource { Component = s.Component, Host = s.Host } : null,
        FirstTimestamp = e.DeprecatedFirstTimestamp,
        LastTimestamp = e.DeprecatedLastTimestamp,
        Count = e.DeprecatedCount,
        Series = e.Series is { } series ? new Corev1EventSeries { Count = series.Count, LastObservedTime = series.LastObservedTime } : null,
    };

    public static Eventsv1Event ToEvents(Corev1Event e) => new()
    {
        ApiVersion = "events.k8s.io/v1",
        Kind = "Event",
        Metadata = CopyMeta(e.Metadata),
        Regarding = Copy(e.InvolvedObject),
        Related = Copy(e.Related),
        Note = e.Message,
        Reason = e.Reason,
        Type = e.Type,
        Action = e.Action,
        EventTime = e.EventTime,
        ReportingController = e.ReportingComponent,
        ReportingInstance = e.ReportingInstance,
        DeprecatedSource = e.Source is { } s ? new V1EventSource { Component = s.Component, Host = s.Host } : null,
        DeprecatedFirstTimestamp = e.FirstTimestamp,
        DeprecatedLastTimestamp = e.LastTimestamp,
        DeprecatedCount = e.Count,
        Series = e.Series is { } series
            ? new Eventsv1EventSeries { Count = series.Count ?? 0, LastObservedTime = series.LastObservedTime ?? default }
            : null,
    };

    private static V1ObjectReference? Copy(V1ObjectReference? r) => r is null
        ? null
        : new V1ObjectReference
        {
            ApiVersion = r.ApiVersion,
            FieldPath = r.FieldPath,
            Kind = r.Kind,
            Name = r.Name,
            NamespaceProperty = r.NamespaceProperty,
            ResourceVersion = r.ResourceVersion,
            Uid = r.Uid,
        };

    private static V1ObjectMeta? CopyMeta(V1ObjectMeta? meta) =>
        meta is null ? null : Shared.SpecDiff.Clone(meta);
}
