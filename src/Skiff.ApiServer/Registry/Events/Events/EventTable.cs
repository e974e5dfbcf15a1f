using k8s.Models;

namespace Skiff.ApiServer.Registry.Events.Events;

/// <summary>
/// kube-apiserver prints events.k8s.io events with the core event printer (it prints the shared internal object),
/// so this table converts to a core event and uses <see cref="Core.Events.EventTable"/>.
/// </summary>
internal sealed class EventTable : TableConvertor<Eventsv1Event>
{
    public override IReadOnlyList<TableColumn> Columns => Core.Events.EventTable.Instance.Columns;

    public override object?[] Cells(Eventsv1Event obj, DateTime now) =>
        Core.Events.EventTable.Instance.Cells(EventConversion.ToCore(obj), now);
}
