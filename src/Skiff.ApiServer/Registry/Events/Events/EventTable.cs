using k8s.Models;
using Skiff.Api.Printing;

namespace Skiff.ApiServer.Registry.Events.Events;

/// <summary>
/// kube-apiserver prints events.k8s.io events with the core event printer (it prints the shared internal object):
/// LAST SEEN TYPE REASON OBJECT MESSAGE, wide SUBOBJECT SOURCE FIRST SEEN COUNT NAME.
/// </summary>
internal sealed class EventTable : TableConvertor<Eventsv1Event>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        new("Last Seen", "string", "The time at which the most recent occurrence of this event was recorded."),
        new("Type", "string", "Type of this event (Normal, Warning), new types could be added in the future"),
        new("Reason", "string", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
        new("Object", "string", "The object that this event is about."),
        new("Subobject", "string", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: \"spec.containers{name}\" (where \"name\" refers to the name of the container that triggered the event) or if no container name is specified \"spec.containers[2]\" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.", 1),
        new("Source", "string", "The component reporting this event. Should be a short machine understandable string.", 1),
        new("Message", "string", "A human-readable description of the status of this operation."),
        new("First Seen", "string", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1),
        new("Count", "string", "The number of times this event has occurred.", 1),
        new("Name", "string", Shared.Columns.NameDescription, 1, "name"),
    ];

    public override object?[] Cells(Eventsv1Event obj, DateTime now)
    {
        var e = EventConversion.ToCore(obj);
        var first = e.FirstTimestamp is { } ft ? HumanDuration.Since(ft, now) : HumanDuration.Since(e.EventTime, now);
        var last = e.LastTimestamp is { } lt ? HumanDuration.Since(lt, now) : first;
        long count = e.Count ?? 0;
        if (e.Series is { } series)
        {
            last = HumanDuration.Since(series.LastObservedTime, now);
            count = series.Count ?? 0;
        }
        else if (count == 0)
        {
            // Singleton events do not set a count in the new API.
            count = 1;
        }

        var involved = e.InvolvedObject ?? new V1ObjectReference();
        var kind = (involved.Kind ?? "").ToLowerInvariant();
        var target = string.IsNullOrEmpty(involved.Name) ? kind : $"{kind}/{involved.Name}";
        var component = string.IsNullOrEmpty(e.Source?.Component) ? e.ReportingComponent ?? "" : e.Source.Component;
        var instance = string.IsNullOrEmpty(e.Source?.Host) ? e.ReportingInstance ?? "" : e.Source.Host;
        return
        [
            last,
            e.Type ?? "",
            e.Reason ?? "",
            target,
            involved.FieldPath ?? "",
            instance.Length == 0 ? component : $"{component}, {instance}",
            (e.Message ?? "").Trim(),
            first,
            count,
            e.Metadata?.Name,
        ];
    }
}
