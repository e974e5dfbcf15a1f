using k8s.Models;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Events.Events;

/// <summary>
/// events.k8s.io/v1 Events. They share storage with core/v1 events; validation is kube-apiserver's
/// ValidateEventCreate / ValidateEventUpdate for requests in events.k8s.io/v1 (the strict rules: eventTime,
/// reporting controller and instance, action and reason required; the deprecated fields unset), reported with
/// the core field names Kubernetes reports, since it validates the converted core object.
/// </summary>
internal sealed class EventStrategy : ResourceStrategy<Eventsv1Event>
{
    public const int ReportingInstanceLengthLimit = 128;
    public const int ActionLengthLimit = 128;
    public const int ReasonLengthLimit = 128;
    public const int NoteLengthLimit = 1024;

    public override TableConvertor<Eventsv1Event> Table { get; } = new EventTable();

    public override void Validate(Eventsv1Event obj, FieldErrors errors)
    {
        var e = EventConversion.ToCore(obj);
        var ns = e.Metadata?.NamespaceProperty ?? "";
        if (string.IsNullOrEmpty(e.InvolvedObject?.NamespaceProperty) && ns is not ("default" or "kube-system") && e.EventTime is not null)
        {
            errors.Invalid("involvedObject.namespace", e.InvolvedObject?.NamespaceProperty ?? "", "does not match event.namespace");
        }

        if (e.EventTime is null)
        {
            // Without eventTime an event is validated as an old-style one first: namespaces must agree.
            var involved = e.InvolvedObject?.NamespaceProperty ?? "";
            if (involved.Length == 0 ? ns is not ("" or "default") : ns != involved)
            {
                errors.Invalid("involvedObject.namespace", involved, "does not match event.namespace");
            }
        }
        else
        {
            if (string.IsNullOrEmpty(e.ReportingComponent))
            {
                errors.Required("reportingController");
            }
            else
            {
                foreach (var msg in NameRules.QualifiedName(e.ReportingComponent))
                {
                    errors.Invalid("reportingController", e.ReportingComponent, msg);
                }
            }

            Limited(e.ReportingInstance, "reportingInstance", ReportingInstanceLengthLimit, required: true, errors);
            Limited(e.Action, "action", ActionLengthLimit, required: true, errors);
            Limited(e.Reason, "reason", ReasonLengthLimit, required: true, errors);
            Limited(e.Message, "message", NoteLengthLimit, required: false, errors);
        }

        if (obj.Series is { } series)
        {
            if (series.Count < 2)
            {
                errors.Invalid("series.count", "", "should be at least 2");
            }

            if (series.LastObservedTime == default)
            {
                errors.Required("series.lastObservedTime");
            }
        }

        if (e.EventTime is null)
        {
            errors.Required("eventTime");
        }

        if (e.Type is not ("Normal" or "Warning"))
        {
            errors.Invalid("type", "", $"has invalid value: {e.Type}");
        }

        if (e.FirstTimestamp is not null)
        {
            errors.Invalid("firstTimestamp", "", "needs to be unset");
        }

        if (e.LastTimestamp is not null)
        {
            errors.Invalid("lastTimestamp", "", "needs to be unset");
        }

        if (e.Count is not null and not 0)
        {
            errors.Invalid("count", "", "needs to be unset");
        }

        if (!string.IsNullOrEmpty(e.Source?.Component) || !string.IsNullOrEmpty(e.Source?.Host))
        {
            errors.Invalid("source", "", "needs to be unset");
        }
    }

    private static void Limited(string? value, string path, int limit, bool required, FieldErrors errors)
    {
        if (required && string.IsNullOrEmpty(value))
        {
            errors.Required(path);
        }

        if ((value?.Length ?? 0) > limit)
        {
            errors.Invalid(path, "", $"can have at most {limit} characters");
        }
    }

    /// <summary>
    /// ValidateEventUpdate for events.k8s.io/v1: everything but the series, the note and the deprecated counters
    /// is fixed once written.
    /// </summary>
    public override void ValidateUpdate(Eventsv1Event obj, Eventsv1Event old, FieldErrors errors)
    {
        Validate(obj, errors);
        var e = EventConversion.ToCore(obj);
        var o = EventConversion.ToCore(old);
        Immutable(e.InvolvedObject, o.InvolvedObject, "involvedObject", errors);
        Immutable(e.Reason, o.Reason, "reason", errors);
        Immutable(e.Type, o.Type, "type", errors);
        Immutable(e.Action, o.Action, "action", errors);
        Immutable(e.ReportingComponent, o.ReportingComponent, "reportingComponent", errors);
        Immutable(e.ReportingInstance, o.ReportingInstance, "reportingInstance", errors);
        Immutable(e.Related, o.Related, "related", errors);
        Immutable(e.EventTime, o.EventTime, "eventTime", errors);
    }

    private static void Immutable<TValue>(TValue value, TValue old, string path, FieldErrors errors)
    {
        if (!Shared.SpecDiff.JsonEqual(value, old))
        {
            errors.Immutable(path, value);
        }
    }

    /// <summary>The core event field selectors (EventToSelectableFields), also under their events.k8s.io names.</summary>
    public override IEnumerable<KeyValuePair<string, string>> SelectableFields(Eventsv1Event obj)
    {
        var e = EventConversion.ToCore(obj);
        var r = e.InvolvedObject ?? new V1ObjectReference();
        var source = e.Source?.Component is { Length: > 0 } component ? component : e.ReportingComponent ?? "";
        (string Core, string Events, string Value)[] fields =
        [
            ("involvedObject.kind", "regarding.kind", r.Kind ?? ""),
            ("involvedObject.namespace", "regarding.namespace", r.NamespaceProperty ?? ""),
            ("involvedObject.name", "regarding.name", r.Name ?? ""),
            ("involvedObject.uid", "regarding.uid", r.Uid ?? ""),
            ("involvedObject.apiVersion", "regarding.apiVersion", r.ApiVersion ?? ""),
            ("involvedObject.resourceVersion", "regarding.resourceVersion", r.ResourceVersion ?? ""),
            ("involvedObject.fieldPath", "regarding.fieldPath", r.FieldPath ?? ""),
            ("reason", "reason", e.Reason ?? ""),
            ("reportingComponent", "reportingController", e.ReportingComponent ?? ""),
            ("source", "deprecatedSource", source),
            ("type", "type", e.Type ?? ""),
        ];

        foreach (var (core, events, value) in fields)
        {
            yield return new(core, value);
            if (events != core)
            {
                yield return new(events, value);
            }
        }
    }
}
