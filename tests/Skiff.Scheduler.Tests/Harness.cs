using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Tests.Fakes;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Queue;

namespace Skiff.Scheduler.Tests;

/// <summary>
/// The scheduling loop with the default plugins over fake informers (pods, nodes, namespaces, claims, volumes,
/// classes), a fake clock, a recording binder and a fake API for what PreBind and preemption write.
/// </summary>
internal sealed class Harness
{
    public Harness(params ISchedulerPlugin[] extra)
    {
        Api.Get = path => path.StartsWith("/api/v1/persistentvolumes/", StringComparison.Ordinal) && Volumes.Indexer.Get(null, path["/api/v1/persistentvolumes/".Length..]) is { } pv
            ? k8s.KubernetesJson.Serialize(pv)
            : null;
        Listers = new SchedulerListers { Claims = Claims.Indexer, Volumes = Volumes.Indexer, StorageClasses = Classes.Indexer };
        var client = new ClientContext(Api.Connection(), new Random(1), Listers, Time);
        var built = PluginRegistry.Build(Scheduler.DefaultSchedulerName, PluginRegistry.Defaults.Where(p => p.Name != "DefaultBinder"), null, 0, client);
        var plugins = PluginRegistry.Defaults.Where(p => p.Name != "DefaultBinder").Select(p => built.Plugins[p.Name]).Concat(extra).Append(Binder);
        Profile = new SchedulerProfile(Scheduler.DefaultSchedulerName, plugins, PluginRegistry.Defaults.ToDictionary(p => p.Name, p => p.Weight), 0, new Random(1), null, Time);
        var profiles = new Dictionary<string, SchedulerProfile> { [Scheduler.DefaultSchedulerName] = Profile };
        var queue = new SchedulingQueue(Time, new SchedulingQueueOptions(), Profile.EventsFor);
        Scheduler = new Scheduler(new SchedulerCache(), queue, profiles, null, Events, Time, NullLogger.Instance);
        Scheduler.AddEventHandlers(Pods, Nodes, Namespaces);
        Scheduler.AddVolumeEventHandlers(Claims, Volumes, Classes, Listers);
    }

    public FakeTimeProvider Time { get; } = new();

    public FakeInformer<V1Pod> Pods { get; } = new();

    public FakeInformer<V1Node> Nodes { get; } = new();

    public FakeInformer<V1Namespace> Namespaces { get; } = new();

    public FakeInformer<V1PersistentVolumeClaim> Claims { get; } = new();

    public FakeInformer<V1PersistentVolume> Volumes { get; } = new();

    public FakeInformer<V1StorageClass> Classes { get; } = new();

    public SchedulerListers Listers { get; }

    public FakeEventRecorder Events { get; } = new();

    public FakeBinder Binder { get; } = new();

    public FakeApi Api { get; } = new();

    public SchedulerProfile Profile { get; }

    public Scheduler Scheduler { get; }

    /// <summary>Schedules every active pod; binding cycles still waiting (PreBind, Permit) are not awaited.</summary>
    public async Task ScheduleAllAsync()
    {
        while (await Scheduler.ScheduleNextAsync(CancellationToken.None))
        {
        }
    }

    public async Task RunQueueAsync()
    {
        await ScheduleAllAsync();
        await Scheduler.DrainAsync();
    }

    /// <summary>The message of the most recent FailedScheduling event.</summary>
    public string? LastFailure() =>
        Events.Events.LastOrDefault(e => e.StartsWith("Warning FailedScheduling", StringComparison.Ordinal)) is { } e ? e["Warning FailedScheduling ".Length..] : null;
}
