using k8s;
using k8s.Models;
using Skiff.ApiServer.Registry.Events;
using Skiff.ApiServer.Registry.Events.Events;

namespace Skiff.ApiServer.Tests.Registry.Events;

public class EventTests
{
    private readonly EventStrategy _strategy = Strategies.For<EventStrategy, Eventsv1Event>();

    private static Eventsv1Event Event() => new()
    {
        Metadata = new V1ObjectMeta { Name = "web.17f", NamespaceProperty = "default" },
        EventTime = Strategies.Now.AddMinutes(-4),
        Regarding = new V1ObjectReference { Kind = "Pod", Name = "web-1", NamespaceProperty = "default", Uid = "u", ApiVersion = "v1", FieldPath = "spec.containers{web}" },
        Note = "Pulled image \"nginx\" ",
        Reason = "Pulled",
        Type = "Normal",
        Action = "Pull",
        ReportingController = "kubelet",
        ReportingInstance = "node-1",
    };

    [Fact]
    public void Validate_StrictEvent_NoErrors() => Assert.Empty(Strategies.Create(_strategy, Event()));

    [Fact]
    public void Validate_MissingReportingFields_Required()
    {
        var e = Event();
        e.ReportingController = null;
        e.Action = null;
        e.Type = "Info";
        var errors = Strategies.Create(_strategy, e).Select(x => x.ToString()).ToList();
        Assert.Contains("reportingController: Required value", errors);
        Assert.Contains("action: Required value", errors);
        Assert.Contains("type: Invalid value: \"\": has invalid value: Info", errors);
    }

    [Fact]
    public void Validate_DeprecatedFieldsSet_NeedToBeUnset()
    {
        var e = Event();
        e.DeprecatedCount = 3;
        e.DeprecatedSource = new V1EventSource { Component = "x" };
        var errors = Strategies.Create(_strategy, e).Select(x => x.ToString()).ToList();
        Assert.Contains("count: Invalid value: \"\": needs to be unset", errors);
        Assert.Contains("source: Invalid value: \"\": needs to be unset", errors);
    }

    [Fact]
    public void Conversion_EventsToCoreAndBack_RoundTrips()
    {
        var e = Event();
        e.Series = new Eventsv1EventSeries { Count = 3, LastObservedTime = Strategies.Now };
        e.Related = new V1ObjectReference { Kind = "Node", Name = "node-1" };
        var core = EventConversion.ToCore(e);
        Assert.Equal("web-1", core.InvolvedObject.Name);
        Assert.Equal(e.Note, core.Message);
        Assert.Equal("kubelet", core.ReportingComponent);
        Assert.Equal(3, core.Series.Count);
        var back = EventConversion.ToEvents(core);
        e.ApiVersion = "events.k8s.io/v1";
        e.Kind = "Event";
        Assert.Equal(KubernetesJson.Serialize(e), KubernetesJson.Serialize(back));
    }

    [Fact]
    public void Conversion_CoreDeprecatedFields_MapToEvents()
    {
        var core = new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "x" },
            InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "p" },
            Source = new V1EventSource { Component = "kubelet", Host = "n1" },
            FirstTimestamp = Strategies.Now.AddHours(-1),
            LastTimestamp = Strategies.Now,
            Count = 5,
            Message = "m",
        };
        var e = EventConversion.ToEvents(core);
        Assert.Equal("kubelet", e.DeprecatedSource.Component);
        Assert.Equal(5, e.DeprecatedCount);
        Assert.Equal(core.FirstTimestamp, e.DeprecatedFirstTimestamp);
        Assert.Equal(core.LastTimestamp, e.DeprecatedLastTimestamp);
        Assert.Equal(KubernetesJson.Serialize(core with { ApiVersion = "v1", Kind = "Event" }), KubernetesJson.Serialize(EventConversion.ToCore(e)));
    }

    [Fact]
    public void Table_Cells_CoreEventPrinter()
    {
        var e = Event();
        e.Metadata.CreationTimestamp = Strategies.Now.AddMinutes(-4);
        Assert.Equal(["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"], _strategy.Table.Columns.Select(c => c.Name));
        Assert.Equal<object?>(["4m", "Normal", "Pulled", "pod/web-1", "spec.containers{web}", "kubelet, node-1", "Pulled image \"nginx\"", "4m", 1L, "web.17f"], _strategy.Table.Cells(e, Strategies.Now));
    }

    [Fact]
    public void SelectableFields_CoreAndEventsNames()
    {
        var fields = _strategy.SelectableFields(Event()).ToDictionary(p => p.Key, p => p.Value);
        Assert.Equal("web-1", fields["involvedObject.name"]);
        Assert.Equal("web-1", fields["regarding.name"]);
        Assert.Equal("Pulled", fields["reason"]);
        Assert.Equal("kubelet", fields["reportingComponent"]);
        Assert.Equal("Normal", fields["type"]);
    }
}
