using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Events;
using Skiff.Client.Tests.Fakes;

namespace Skiff.Client.Tests.Events;

public sealed class EventRecorderTests
{
    private static Corev1Event Event(DateTime at, string message = "Created pod: p1") => new()
    {
        Metadata = new V1ObjectMeta { Name = "rs." + at.Ticks.ToString("x"), NamespaceProperty = "ns" },
        InvolvedObject = new V1ObjectReference { Kind = "ReplicaSet", Name = "rs", NamespaceProperty = "ns", Uid = "u1" },
        Type = "Normal",
        Reason = "SuccessfulCreate",
        Message = message,
        Source = new V1EventSource { Component = "replicaset-controller" },
        FirstTimestamp = at,
        LastTimestamp = at,
        Count = 1,
    };

    [Fact]
    public async Task Repeat_IncrementsCount_InsteadOfCreating()
    {
        var time = new FakeTimeProvider();
        var events = new FakeResourceClient<Corev1Event>(ApiResource.Events);
        var recorder = new EventRecorder(events, "replicaset-controller", "host", time, NullLogger.Instance);
        var t0 = time.GetUtcNow().UtcDateTime;
        await recorder.WriteAsync(Event(t0), CancellationToken.None);
        await recorder.WriteAsync(Event(t0.AddSeconds(5)), CancellationToken.None);
        await recorder.WriteAsync(Event(t0.AddSeconds(9)), CancellationToken.None);

        var stored = Assert.Single(events.Objects);
        Assert.Equal(3, stored.Count);
        Assert.Equal(["create", "patch", "patch"], events.Calls.Select(c => c.Split(' ')[0]));

        await recorder.WriteAsync(Event(t0.AddSeconds(10), "Created pod: p2"), CancellationToken.None);
        Assert.Equal(2, events.Objects.Count);
    }

    [Fact]
    public async Task Event_IsWrittenInTheBackground_WithSourceAndInvolvedObject()
    {
        var time = new FakeTimeProvider();
        var events = new FakeResourceClient<Corev1Event>(ApiResource.Events);
        var recorder = new EventRecorder(events, "deployment-controller", "host", time, NullLogger.Instance);
        using var cts = new CancellationTokenSource();
        var run = recorder.RunAsync(cts.Token);
        var d = new V1Deployment { ApiVersion = "apps/v1", Kind = "Deployment", Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "ns", Uid = "u" } };
        recorder.Event(d, "Normal", "ScalingReplicaSet", "Scaled up replica set web-1 from 0 to 3");
        while (events.Objects.Count == 0)
        {
            await Task.Yield();
        }

        var e = Assert.Single(events.Objects);
        Assert.Equal("Deployment", e.InvolvedObject.Kind);
        Assert.Equal("web", e.InvolvedObject.Name);
        Assert.Equal("deployment-controller", e.Source.Component);
        Assert.StartsWith("web.", e.Metadata.Name);
        cts.Cancel();
        await run;
    }
}
