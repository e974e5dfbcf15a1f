using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Events;
using Skiff.Kubelet.Eviction;

namespace Skiff.Kubelet.Tests.Eviction;

public class EvictionManagerTests
{
    private const long Gi = 1024L * 1024 * 1024;
    private const long Mi = 1024L * 1024;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeStats _stats = new();
    private readonly FakeTarget _target = new();
    private readonly FakeReclaimer _reclaimer = new();
    private readonly FakeEvents _events = new();

    public EvictionManagerTests()
    {
        _stats.Time = _time;
        SetDisk(available: 50 * Gi, capacity: 100 * Gi);
        SetMemory(available: 4 * Gi, capacity: 8 * Gi);
    }

    private EvictionManager Manager(string? hard = "memory.available<100Mi,nodefs.available<10%", string? soft = null, string? grace = null, string? reclaim = null, TimeSpan? transition = null, long maxPodGrace = 0) =>
        new(new EvictionOptions
        {
            Thresholds = EvictionThresholds.Parse(hard, soft, grace, reclaim),
            PressureTransitionPeriod = transition ?? TimeSpan.FromMinutes(5),
            MaxPodGracePeriodSeconds = maxPodGrace,
        }, "node-1", _stats, _target, _reclaimer, _events, _time, NullLogger.Instance);

    private void SetDisk(long available, long capacity)
    {
        _stats.Signals[EvictionSignal.NodeFsAvailable] = (available, capacity);
        _stats.Signals[EvictionSignal.ImageFsAvailable] = (available, capacity);
    }

    private void SetMemory(long available, long capacity) => _stats.Signals[EvictionSignal.MemoryAvailable] = (available, capacity);

    private static V1Pod Pod(string name, long diskUsed = 0, int? priority = null, string? diskRequest = null, long? memoryUsed = null, string? memoryRequest = null)
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        if (diskRequest is not null)
        {
            requests["ephemeral-storage"] = new ResourceQuantity(diskRequest);
        }

        if (memoryRequest is not null)
        {
            requests["memory"] = new ResourceQuantity(memoryRequest);
        }

        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = "uid-" + name },
            Spec = new V1PodSpec
            {
                Priority = priority,
                TerminationGracePeriodSeconds = 30,
                Containers = [new V1Container { Name = "main", Image = "busybox", Resources = new V1ResourceRequirements { Requests = requests } }],
            },
        };
    }

    private void Run(V1Pod pod, long diskUsed = 0, long? memoryUsed = null, long? processes = null, IReadOnlyDictionary<string, long>? emptyDirs = null)
    {
        _target.Pods.Add(pod);
        _stats.Usage[pod.Metadata.Uid] = new PodUsage(
            memoryUsed,
            memoryUsed is null ? new Dictionary<string, long>() : new Dictionary<string, long> { ["main"] = memoryUsed.Value },
            new Dictionary<string, long> { ["main"] = diskUsed },
            emptyDirs?.Values.Sum() ?? 0,
            emptyDirs ?? new Dictionary<string, long>(),
            1,
            processes);
    }

    private async Task<IReadOnlyList<V1Pod>> Tick(EvictionManager manager, TimeSpan? after = null)
    {
        _time.Advance(after ?? TimeSpan.FromSeconds(10));
        return await manager.SynchronizeAsync(CancellationToken.None);
    }

    [Fact]
    public async Task Synchronize_NoThresholdMet_ReportsNoPressureAndEvictsNothing()
    {
        var manager = Manager();
        Run(Pod("a"), diskUsed: 10 * Gi);

        Assert.Empty(await Tick(manager));
        Assert.Equal(NodePressure.None, manager.Pressure);
        Assert.Empty(_target.Evicted);
        Assert.Equal(0, _reclaimer.Calls);
    }

    [Fact]
    public async Task Synchronize_HardDiskThresholdMet_ReclaimsThenEvictsTheTopRankedPodWithKubeletsMessage()
    {
        var manager = Manager();
        NodePressure? raised = null;
        manager.PressureChanged += p => raised = p;
        Run(Pod("small"), diskUsed: 1 * Mi);
        Run(Pod("big"), diskUsed: 12 * Mi);
        Run(Pod("requested", diskRequest: "1Gi"), diskUsed: 40 * Mi);
        SetDisk(available: 5 * Gi, capacity: 100 * Gi);

        var evicted = await Tick(manager);

        Assert.Equal(new NodePressure(false, true, false), manager.Pressure);
        Assert.Equal(manager.Pressure, raised);
        Assert.Equal(1, _reclaimer.Calls);
        var pod = Assert.Single(evicted);
        Assert.Equal("big", pod.Metadata.Name);
        var (_, eviction) = Assert.Single(_target.Evicted);
        Assert.Equal(
            "The node was low on resource: ephemeral-storage. Threshold quantity: 10737418400, available: 5Gi. Container main was using 12Mi, request is 0, has larger consumption of ephemeral-storage. ",
            eviction.Message);
        Assert.Equal(1, eviction.GracePeriodSeconds);
        Assert.True(eviction.DisruptionTarget);
        Assert.Contains(("Warning", "EvictionThresholdMet", "Attempting to reclaim ephemeral-storage", "node-1"), _events.Recorded);
        Assert.Contains(("Warning", "Evicted", eviction.Message, "big"), _events.Recorded);
        Assert.Contains(("Normal", "NodeHasDiskPressure", "Node node-1 status is now: NodeHasDiskPressure", "node-1"), _events.Recorded);
    }

    [Fact]
    public async Task Synchronize_ReclaimFreesEnough_EvictsNoPod()
    {
        var manager = Manager();
        Run(Pod("a"), diskUsed: 1 * Mi);
        SetDisk(available: 5 * Gi, capacity: 100 * Gi);
        _reclaimer.OnReclaim = () => SetDisk(available: 30 * Gi, capacity: 100 * Gi);

        Assert.Empty(await Tick(manager));
        Assert.Equal(1, _reclaimer.Calls);
        Assert.Empty(_target.Evicted);
        Assert.True(manager.Pressure.Disk);
    }

    [Fact]
    public async Task Synchronize_EvictsAtMostOnePodPerInterval_AndNotOnStaleObservations()
    {
        var manager = Manager();
        Run(Pod("a"), diskUsed: 2 * Mi);
        Run(Pod("b"), diskUsed: 1 * Mi);
        SetDisk(available: 5 * Gi, capacity: 100 * Gi);

        Assert.Equal("a", Assert.Single(await Tick(manager)).Metadata.Name);

        // Same observation time: the stats did not change since, so nothing more is evicted.
        _stats.Frozen = true;
        Assert.Empty(await Tick(manager));
        _stats.Frozen = false;

        Assert.Equal("b", Assert.Single(await Tick(manager)).Metadata.Name);
    }

    [Fact]
    public async Task Synchronize_PressureStaysForTheTransitionPeriodAfterTheSignalRecovers()
    {
        var manager = Manager(transition: TimeSpan.FromSeconds(30));
        SetDisk(available: 5 * Gi, capacity: 100 * Gi);
        await Tick(manager);
        Assert.True(manager.Pressure.Disk);

        SetDisk(available: 50 * Gi, capacity: 100 * Gi);
        await Tick(manager, TimeSpan.FromSeconds(10));
        Assert.True(manager.Pressure.Disk);
        await Tick(manager, TimeSpan.FromSeconds(10));
        Assert.True(manager.Pressure.Disk);
        await Tick(manager, TimeSpan.FromSeconds(10));
        Assert.False(manager.Pressure.Disk);
        Assert.Contains(("Normal", "NodeHasNoDiskPressure", "Node node-1 status is now: NodeHasNoDiskPressure", "node-1"), _events.Recorded);
    }

    [Fact]
    public async Task Synchronize_SoftThreshold_SetsPressureAtOnceButEvictsOnlyAfterItsGracePeriod_WithTheMaxPodGracePeriod()
    {
        var manager = Manager(hard: "memory.available<100Mi", soft: "memory.available<1Gi", grace: "memory.available=1m", maxPodGrace: 20);
        Run(Pod("a"), memoryUsed: 500 * Mi);
        SetMemory(available: 512 * Mi, capacity: 8 * Gi);

        Assert.Empty(await Tick(manager));
        Assert.True(manager.Pressure.Memory);
        Assert.Empty(await Tick(manager, TimeSpan.FromSeconds(30)));

        var evicted = await Tick(manager, TimeSpan.FromSeconds(30));
        Assert.Equal("a", Assert.Single(evicted).Metadata.Name);
        var eviction = _target.Evicted.Single().Eviction;
        Assert.Equal(20, eviction.GracePeriodSeconds);
        Assert.Equal(
            "The node was low on resource: memory. Threshold quantity: 1Gi, available: 512Mi. Container main was using 500Mi, request is 0, has larger consumption of memory. ",
            eviction.Message);

        // Memory has no node-level reclaim.
        Assert.Equal(0, _reclaimer.Calls);
    }

    [Fact]
    public async Task Synchronize_MinimumReclaim_KeepsTheThresholdMetUntilThatMuchMoreIsAvailable()
    {
        var manager = Manager(hard: "nodefs.available<10Gi", reclaim: "nodefs.available=5Gi", transition: TimeSpan.FromSeconds(1));
        SetDisk(available: 9 * Gi, capacity: 100 * Gi);
        await Tick(manager);
        Assert.Single(manager.ThresholdsMet);

        SetDisk(available: 12 * Gi, capacity: 100 * Gi);
        await Tick(manager);
        Assert.Single(manager.ThresholdsMet);
        Assert.True(manager.Pressure.Disk);

        SetDisk(available: 16 * Gi, capacity: 100 * Gi);
        await Tick(manager);
        Assert.Empty(manager.ThresholdsMet);
        Assert.False(manager.Pressure.Disk);
    }

    [Fact]
    public async Task Synchronize_CriticalAndStaticPodsAreNeverEvicted()
    {
        var manager = Manager();
        var critical = Pod("critical", priority: 2_000_000_000);
        var staticPod = Pod("static");
        staticPod.Metadata.Annotations = new Dictionary<string, string> { ["kubernetes.io/config.source"] = "file" };
        Run(critical, diskUsed: 50 * Mi);
        Run(staticPod, diskUsed: 40 * Mi);
        Run(Pod("plain"), diskUsed: 1 * Mi);
        SetDisk(available: 5 * Gi, capacity: 100 * Gi);

        Assert.Equal("plain", Assert.Single(await Tick(manager)).Metadata.Name);
    }

    [Fact]
    public async Task Synchronize_EmptyDirOverItsSizeLimit_IsEvictedWithoutNodePressure()
    {
        var manager = Manager();
        var pod = Pod("cache");
        pod.Spec.Volumes = [new V1Volume { Name = "scratch", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new ResourceQuantity("1Mi") } }];
        Run(pod, emptyDirs: new Dictionary<string, long> { ["scratch"] = 2 * Mi });

        Assert.Equal("cache", Assert.Single(await Tick(manager)).Metadata.Name);
        var eviction = _target.Evicted.Single().Eviction;
        Assert.Equal("Usage of EmptyDir volume \"scratch\" exceeds the limit \"1Mi\". ", eviction.Message);
        Assert.False(eviction.DisruptionTarget);
        Assert.Equal(NodePressure.None, manager.Pressure);
    }

    [Fact]
    public void LocalStorageViolation_PodAndContainerEphemeralStorageLimits()
    {
        var pod = Pod("limited");
        pod.Spec.Containers[0].Resources.Limits = new Dictionary<string, ResourceQuantity> { ["ephemeral-storage"] = new("10Mi") };
        PodUsage Usage(long container, long volumes) => new(null, new Dictionary<string, long>(), new Dictionary<string, long> { ["main"] = container }, volumes, new Dictionary<string, long>(), 0, null);

        Assert.Null(EvictionManager.LocalStorageViolation(pod, Usage(5 * Mi, 4 * Mi)));
        Assert.Equal("Pod ephemeral local storage usage exceeds the total limit of containers 10Mi. ", EvictionManager.LocalStorageViolation(pod, Usage(5 * Mi, 6 * Mi)));

        pod.Spec.Containers.Add(new V1Container { Name = "side", Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["ephemeral-storage"] = new("100Mi") } } });
        Assert.Equal("Container main exceeded its local ephemeral storage limit \"10Mi\". ", EvictionManager.LocalStorageViolation(pod, Usage(11 * Mi, 0)));
    }

    [Fact]
    public void Rank_Memory_ExceedingRequestsFirst_ThenLowerPriority_ThenUsageAboveRequest()
    {
        var within = Pod("within", memoryRequest: "1Gi");
        var lowPriority = Pod("low", priority: -10);
        var high = Pod("high", priority: 1000);
        var hungry = Pod("hungry");
        var usage = new Dictionary<string, PodUsage>
        {
            [within.Metadata.Uid] = Memory(900 * Mi),
            [lowPriority.Metadata.Uid] = Memory(10 * Mi),
            [high.Metadata.Uid] = Memory(2 * Gi),
            [hungry.Metadata.Uid] = Memory(300 * Mi),
        };
        var nostats = Pod("nostats");

        var order = PodRanking.Rank(EvictionSignal.MemoryAvailable, [within, high, hungry, lowPriority, nostats], usage);

        Assert.Equal(["nostats", "low", "hungry", "high", "within"], order.Select(p => p.Metadata.Name));

        static PodUsage Memory(long bytes) => new(bytes, new Dictionary<string, long>(), new Dictionary<string, long>(), 0, new Dictionary<string, long>(), 0, null);
    }

    [Fact]
    public void Rank_Disk_WithADedicatedImageFs_CountsLogsAndVolumesForNodefsAndWritableLayersForImagefs()
    {
        var logger = Pod("logger");
        var layered = Pod("layered");
        static PodUsage Disk(long logs, long layer, long volumes) =>
            new(null, new Dictionary<string, long>(), new Dictionary<string, long> { ["main"] = logs + layer }, volumes, new Dictionary<string, long>(), 0, null, layer);
        var usage = new Dictionary<string, PodUsage>
        {
            [logger.Metadata.Uid] = Disk(logs: 30 * Mi, layer: 0, volumes: 10 * Mi),
            [layered.Metadata.Uid] = Disk(logs: 1 * Mi, layer: 100 * Mi, volumes: 0),
        };

        Assert.Equal(["layered", "logger"], PodRanking.Rank(EvictionSignal.NodeFsAvailable, [logger, layered], usage).Select(p => p.Metadata.Name));
        Assert.Equal(["logger", "layered"], PodRanking.Rank(EvictionSignal.NodeFsAvailable, [layered, logger], usage, dedicatedImageFs: true).Select(p => p.Metadata.Name));
        Assert.Equal(["layered", "logger"], PodRanking.Rank(EvictionSignal.ImageFsAvailable, [logger, layered], usage, dedicatedImageFs: true).Select(p => p.Metadata.Name));
    }

    [Fact]
    public void Rank_Pids_LowerPriorityFirst_ThenMostProcesses()
    {
        var few = Pod("few");
        var many = Pod("many");
        var important = Pod("important", priority: 100);
        var usage = new[] { (few, 2L), (many, 50L), (important, 500L) }
            .ToDictionary(x => x.Item1.Metadata.Uid, x => new PodUsage(null, new Dictionary<string, long>(), new Dictionary<string, long>(), 0, new Dictionary<string, long>(), 0, x.Item2));

        Assert.Equal(["many", "few", "important"], PodRanking.Rank(EvictionSignal.PidAvailable, [few, important, many], usage).Select(p => p.Metadata.Name));
    }

    [Fact]
    public async Task Synchronize_NodeStatus_PressureConditionsUseKubeletsReasons()
    {
        var manager = Manager(hard: "pid.available<1000");
        _stats.Signals[EvictionSignal.PidAvailable] = (500, 32768);
        Run(Pod("forky"), processes: 400);

        Assert.Equal("forky", Assert.Single(await Tick(manager)).Metadata.Name);
        Assert.Equal(new NodePressure(false, false, true), manager.Pressure);
        Assert.Equal("The node was low on resource: pids. Threshold quantity: 1000, available: 500. ", _target.Evicted.Single().Eviction.Message);
        Assert.Equal(("KubeletHasInsufficientPID", "kubelet has insufficient PID available"), EvictionMessages.Condition(EvictionSignal.PidPressure, true));
        Assert.Equal(("KubeletHasInsufficientMemory", "kubelet has insufficient memory available"), EvictionMessages.Condition(EvictionSignal.MemoryPressure, true));
        Assert.Equal(("KubeletHasDiskPressure", "kubelet has disk pressure"), EvictionMessages.Condition(EvictionSignal.DiskPressure, true));
        Assert.Equal(("KubeletHasNoDiskPressure", "kubelet has no disk pressure"), EvictionMessages.Condition(EvictionSignal.DiskPressure, false));
    }

    [Fact]
    public async Task Admit_UnderPressure_RejectsAsKubeletDoes()
    {
        var manager = Manager();
        var bestEffort = Pod("besteffort");
        var burstable = Pod("burstable", memoryRequest: "64Mi");
        var tolerating = Pod("tolerating");
        tolerating.Spec.Tolerations = [new V1Toleration { Key = "node.kubernetes.io/memory-pressure", OperatorProperty = "Exists", Effect = "NoSchedule" }];
        var critical = Pod("critical", priority: 2_000_000_000);
        Assert.Null(manager.Admit(bestEffort));

        SetMemory(available: 50 * Mi, capacity: 8 * Gi);
        await Tick(manager);
        Assert.Equal("The node had condition: [MemoryPressure]. ", manager.Admit(bestEffort));
        Assert.Null(manager.Admit(burstable));
        Assert.Null(manager.Admit(tolerating));
        Assert.Contains(("Warning", "Evicted", "The node had condition: [MemoryPressure]. ", "besteffort"), _events.Recorded);

        SetDisk(available: 1 * Gi, capacity: 100 * Gi);
        await Tick(manager);
        Assert.Equal("The node had condition: [MemoryPressure DiskPressure]. ", manager.Admit(burstable));
        Assert.Null(manager.Admit(critical));
    }

    private sealed class FakeStats : IEvictionStatsSource
    {
        private DateTimeOffset _frozenAt;

        public Dictionary<string, (long Available, long Capacity)> Signals { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, PodUsage> Usage { get; } = new(StringComparer.Ordinal);

        public TimeProvider Time { get; set; } = TimeProvider.System;

        /// <summary>When set, observations keep the time of the last one (the stats were not refreshed).</summary>
        public bool Frozen { get; set; }

        public Task<EvictionStats> CollectAsync(IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
        {
            if (!Frozen)
            {
                _frozenAt = Time.GetUtcNow();
            }

            var at = _frozenAt;
            return Task.FromResult(new EvictionStats(
                Signals.ToDictionary(s => s.Key, s => new SignalObservation(s.Value.Available, s.Value.Capacity, at)),
                new Dictionary<string, PodUsage>(Usage),
                DedicatedImageFs: false));
        }
    }

    private sealed class FakeTarget : IEvictionTarget
    {
        public List<V1Pod> Pods { get; } = [];

        public List<(V1Pod Pod, PodEviction Eviction)> Evicted { get; } = [];

        public IReadOnlyList<V1Pod> ActivePods() => [.. Pods.Where(p => !Evicted.Any(e => e.Pod == p))];

        public Task<bool> EvictAsync(V1Pod pod, PodEviction eviction, CancellationToken cancellationToken)
        {
            Evicted.Add((pod, eviction));
            return Task.FromResult(true);
        }
    }

    private sealed class FakeReclaimer : INodeReclaimer
    {
        public int Calls { get; private set; }

        public Action? OnReclaim { get; set; }

        public Task DeleteUnusedContainersAsync(CancellationToken cancellationToken)
        {
            Calls++;
            return Task.CompletedTask;
        }

        public Task DeleteUnusedImagesAsync(CancellationToken cancellationToken)
        {
            OnReclaim?.Invoke();
            return Task.CompletedTask;
        }
    }

    private sealed class FakeEvents : IEventRecorder
    {
        public List<(string Type, string Reason, string Message, string Object)> Recorded { get; } = [];

        public void Event(IKubernetesObject<V1ObjectMeta> obj, string type, string reason, string message) => Recorded.Add((type, reason, message, obj.Metadata.Name));
    }
}
