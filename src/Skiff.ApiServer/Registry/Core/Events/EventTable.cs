using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.Events;

/// <summary>
/// The event columns of kube-apiserver's printers (printEvent): LAST SEEN TYPE REASON OBJECT MESSAGE, and
/// with -o wide SUBOBJECT SOURCE FIRST SEEN COUNT NAME. Series events report their last observation.
/// </summary>
internal sealed class EventTable : TableConvertor<Corev1Event>
{
    public static readonly EventTable Instance = new();

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

    public override object?[] Cells(Corev1Event obj, DateTime now)
    {
        var firstSeen = obj.FirstTimestamp is { } first
            ? HumanDuration.Since(first, now)
            : HumanDuration.Since(obj.EventTime, now);
        var lastSeen = obj.LastTimestamp is { } last ? HumanDuration.Since(last, now) : firstSeen;
        long count = obj.Count ?? 0;
        if (obj.Series is { } series)
        {
            lastSeen = HumanDuration.Since(series.LastObservedTime, now);
            count = series.Count ?? 0;
        }
        else if (count == 0)
        {
            // Singleton events of the events.k8s.io API carry no count.
            count = 1;
        }

        var involved = obj.InvolvedObject ?? new V1ObjectReference();
        var kind = (involved.Kind ?? "").ToLowerInvariant();
        var target = string.IsNullOrEmpty(involved.Name) ? kind : $"{kind}/{involved.Name}";
        var component = string.IsNullOrEmpty(obj.Source?.Component) ? obj.ReportingComponent ?? "" : obj.Source.Component;
        var instance = string.IsNullOrEmpty(obj.Source?.Host) ? obj.ReportingInstance ?? "" : obj.Source.Host;
        var source = instance.Length == 0 ? component : $"{component}, {instance}";

        return
        [
            lastSeen,
            obj.Type ?? "",
            obj.Reason ?? "",
            target,
            involved.FieldPath ?? "",
            source,
            (obj.Message ?? "").Trim(),
            firstSeen,
            count,
            obj.Metadata.Name,
        ];
    }
}
