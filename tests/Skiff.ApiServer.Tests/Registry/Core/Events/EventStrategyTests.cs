using k8s.Models;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Registry.Core.Events;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.Events;

public sealed class EventStrategyTests
{
    private static EventStrategy Strategy() => Bind<EventStrategy, Corev1Event>(new EventStrategy());

    private static Corev1Event Event() => new()
    {
        Metadata = Meta("web.17f1a2b3c4d5e6f7"),
        InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "web", NamespaceProperty = "default", ApiVersion = "v1", FieldPath = "spec.containers{nginx}" },
        Reason = "Pulled",
        Message = "Successfully pulled image \"nginx\"\n",
        Type = "Normal",
        Source = new V1EventSource { Component = "kubelet", Host = "node-1" },
        FirstTimestamp = Now.AddMinutes(-10),
        LastTimestamp = Now.AddMinutes(-2),
        Count = 3,
    };

    [Fact]
    public void Validate_LegacyEventInOwnNamespace_Valid() => Assert.Empty(Create(Strategy(), Event()));

    [Fact]
    public void NameRule_Events_PathSegment() => Assert.Equal(NameRule.PathSegment, Strategy().NameRule);

    [Fact]
    public void Validate_InvolvedObjectInOtherNamespace_DoesNotMatch()
    {
        var ev = Event();
        ev.InvolvedObject.NamespaceProperty = "other";
        var errors = Create(Strategy(), ev);

        Assert.Equal("involvedObject.namespace: Invalid value: \"other\": does not match event.namespace", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Validate_NewStyleEventWithoutReporter_RequiredFields()
    {
        var ev = Event();
        ev.EventTime = Now;
        ev.Reason = null;
        var errors = Create(Strategy(), ev);

        var text = Messages(errors);
        Assert.Contains("reportingComponent: Required value", text);
        Assert.Contains("reportingInstance: Required value", text);
        Assert.Contains("action: Required value", text);
        Assert.Contains("reason: Required value", text);
    }

    [Fact]
    public void SelectableFields_Event_AllKubernetesFields()
    {
        var fields = Strategy().SelectableFields(Event()).ToDictionary();

        Assert.Equal("Pod", fields["involvedObject.kind"]);
        Assert.Equal("web", fields["involvedObject.name"]);
        Assert.Equal("default", fields["involvedObject.namespace"]);
        Assert.Equal("", fields["involvedObject.uid"]);
        Assert.Equal("kubelet", fields["source"]);
        Assert.Equal("Normal", fields["type"]);
        Assert.Equal("Pulled", fields["reason"]);
        Assert.Equal(11, fields.Count);
    }

    [Fact]
    public void Table_Event_ColumnsAndCells()
    {
        Assert.Equal(
            ["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"],
            EventTable.Instance.Columns.Select(c => c.Name));
        Assert.Equal([0, 0, 0, 0, 1, 1, 0, 1, 1, 1], EventTable.Instance.Columns.Select(c => c.Priority));

        var cells = EventTable.Instance.Cells(Event(), Now);

        Assert.Equal(["2m", "Normal", "Pulled", "pod/web", "spec.containers{nginx}", "kubelet, node-1", "Successfully pulled image \"nginx\"", "10m", 3L, "web.17f1a2b3c4d5e6f7"], cells);
    }

    [Fact]
    public void Table_SeriesEventWithoutTimestamps_UsesEventTimeAndSeries()
    {
        var ev = Event();
        ev.FirstTimestamp = null;
        ev.LastTimestamp = null;
        ev.Count = null;
        ev.EventTime = Now.AddMinutes(-30);
        ev.Series = new Corev1EventSeries { Count = 7, LastObservedTime = Now.AddSeconds(-20) };
        ev.Source = null;
        ev.ReportingComponent = "default-scheduler";

        var cells = EventTable.Instance.Cells(ev, Now);

        Assert.Equal("20s", cells[0]);
        Assert.Equal("default-scheduler", cells[5]);
        Assert.Equal("30m", cells[7]);
        Assert.Equal(7L, cells[8]);
    }
}
