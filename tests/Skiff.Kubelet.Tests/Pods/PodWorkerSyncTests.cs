using System.Collections.Concurrent;
using System.Net;
using System.Reflection;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Kubelet.Env;
using Skiff.Kubelet.Host;
using Skiff.Kubelet.Images;
using Skiff.Kubelet.Node;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime;
using Skiff.Kubelet.Runtime.Simulated;
using Skiff.Kubelet.Simulation;

namespace Skiff.Kubelet.Tests.Pods;

/// <summary>How much runtime and API work one pod worker sync does (pod start-up cost, issue #7).</summary>
public sealed class PodWorkerSyncTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "skiff-worker-test-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly StatusPatches _patches = new();
    private readonly HttpClient _http = new();
    private readonly IContainerRuntime _runtime;
    private readonly ConcurrentDictionary<string, int> _calls;

    public PodWorkerSyncTests()
    {
        var simulated = new SimulatedRuntime(new SimulatedRuntimeOptions(), () => "10.42.0.0/24", _time, new Random(1));
        (_runtime, _calls) = CountingRuntime.Wrap(simulated);
    }

    public void Dispose()
    {
        _http.Dispose();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private PodWorker Worker(V1Pod pod)
    {
        var options = new NodeAgentOptions { NodeName = "n1", DataDir = _dataDir, NodeAddress = IPAddress.Loopback };
        var context = new PodWorkerContext
        {
            Options = options,
            Paths = new AgentPaths(_dataDir),
            Runtime = _runtime,
            Pods = _patches,
            Images = new ImagePuller(_runtime, (_, _, _) => Task.FromResult<V1Secret?>(null), _time),
            Volumes = new SimulatedVolumes(),
            Env = new EnvResolver(new NoObjects()),
            Probes = new NoContainerProbes(),
            Hooks = new LifecycleHooks(_runtime, _http, _time),
            Machine = new MachineInfo(2, 8L << 30, 100L << 30, "6.1", "Debian", "m", "b", "u"),
            Time = _time,
            Logger = NullLogger.Instance,
        };
        return new PodWorker(context, pod.Metadata.Uid, pod);
    }

    private static V1Pod Pod() => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Uid = "uid-1", Labels = new Dictionary<string, string> { ["app"] = "web" } },
        Spec = new V1PodSpec { NodeName = "n1", Containers = [new V1Container { Name = "c", Image = "example/app:1" }] },
        Status = new V1PodStatus { Phase = "Pending", Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "True" }] },
    };

    private int Calls(string method) => _calls.GetValueOrDefault(method);

    [Fact]
    public async Task Sync_NewPod_StartsSandboxAndContainerAndWritesStatusOnce()
    {
        var worker = Worker(Pod());

        await worker.SyncAsync(CancellationToken.None);

        Assert.Equal(1, Calls(nameof(IContainerRuntime.RunPodSandboxAsync)));
        Assert.Equal(1, Calls(nameof(IContainerRuntime.CreateContainerAsync)));
        Assert.Equal(1, Calls(nameof(IContainerRuntime.StartContainerAsync)));
        Assert.Equal("Running", Assert.Single(_patches.Phases));

        // Observed before acting and once more after: the status reflects what the sync did.
        Assert.Equal(2, Calls(nameof(IContainerRuntime.ListPodSandboxesAsync)));
    }

    [Fact]
    public async Task Sync_NothingToDo_ObservesTheRuntimeOnceAndWritesNothing()
    {
        var worker = Worker(Pod());
        await worker.SyncAsync(CancellationToken.None);
        _calls.Clear();

        await worker.SyncAsync(CancellationToken.None);

        Assert.Equal(1, Calls(nameof(IContainerRuntime.ListPodSandboxesAsync)));
        Assert.Equal(1, Calls(nameof(IContainerRuntime.ListContainersAsync)));
        Assert.Equal(0, Calls(nameof(IContainerRuntime.RunPodSandboxAsync)) + Calls(nameof(IContainerRuntime.CreateContainerAsync)) + Calls(nameof(IContainerRuntime.StartContainerAsync)));
        Assert.Single(_patches.Phases);
    }

    [Fact]
    public async Task Sync_ContainerExitedMeanwhile_RestartsItAndObservesAgain()
    {
        var worker = Worker(Pod());
        await worker.SyncAsync(CancellationToken.None);
        var running = (await _runtime.ListContainersAsync(null, CancellationToken.None)).Single();
        await _runtime.StopContainerAsync(running.Id, 0, CancellationToken.None);
        _calls.Clear();

        await worker.SyncAsync(CancellationToken.None);

        Assert.Equal(1, Calls(nameof(IContainerRuntime.StartContainerAsync)));
        Assert.Equal(2, Calls(nameof(IContainerRuntime.ListPodSandboxesAsync)));
    }

    [Fact]
    public async Task Sync_FinishedPod_StopsItsSandboxOnceNotAtEveryResync()
    {
        var pod = Pod();
        pod.Spec.RestartPolicy = "Never";
        var worker = Worker(pod);
        await worker.SyncAsync(CancellationToken.None);
        var running = (await _runtime.ListContainersAsync(null, CancellationToken.None)).Single();
        await _runtime.StopContainerAsync(running.Id, 0, CancellationToken.None);

        for (var i = 0; i < 5; i++)
        {
            await worker.SyncAsync(CancellationToken.None);
        }

        Assert.Equal("Failed", _patches.Phases[^1]);
        Assert.Equal(1, Calls(nameof(IContainerRuntime.StopPodSandboxAsync)));
    }

    [Fact]
    public async Task Sync_PodGoneFromTheApi_StopsItsSandboxOnceThenRemovesIt()
    {
        var worker = Worker(Pod());
        await worker.SyncAsync(CancellationToken.None);
        worker.Update(null);

        Assert.True(await worker.SyncAsync(CancellationToken.None));

        Assert.Equal(1, Calls(nameof(IContainerRuntime.StopPodSandboxAsync)));
        Assert.Equal(1, Calls(nameof(IContainerRuntime.RemovePodSandboxAsync)));
        Assert.Empty(await _runtime.ListPodSandboxesAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task ObservedFingerprint_AfterSync_MatchesTheRelistersView()
    {
        var worker = Worker(Pod());

        await worker.SyncAsync(CancellationToken.None);

        var containers = await _runtime.ListContainersAsync(null, CancellationToken.None);
        Assert.Equal(PodManager.Fingerprint(containers), worker.ObservedFingerprint);
        Assert.NotEqual(PodManager.Fingerprint([]), worker.ObservedFingerprint);
    }

    [Fact]
    public void Fingerprint_SameContainersInAnyOrder_Equal_StateChange_Differs()
    {
        static Cri.V1.Container C(string id, Cri.V1.ContainerState state) => new() { Id = id, State = state };

        Assert.Equal(
            PodManager.Fingerprint([C("a", Cri.V1.ContainerState.ContainerRunning), C("b", Cri.V1.ContainerState.ContainerExited)]),
            PodManager.Fingerprint([C("b", Cri.V1.ContainerState.ContainerExited), C("a", Cri.V1.ContainerState.ContainerRunning)]));
        Assert.NotEqual(
            PodManager.Fingerprint([C("a", Cri.V1.ContainerState.ContainerRunning)]),
            PodManager.Fingerprint([C("a", Cri.V1.ContainerState.ContainerExited)]));
    }

    [Fact]
    public void NeedsSync_OwnStatusEchoed_False()
    {
        var current = Pod();
        var echoed = Pod();
        echoed.Metadata.ResourceVersion = "42";
        echoed.Status = new V1PodStatus
        {
            Phase = "Running",
            PodIP = "10.42.0.5",
            Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "True" }, new V1PodCondition { Type = "Ready", Status = "True" }, new V1PodCondition { Type = "ContainersReady", Status = "True" }],
        };

        Assert.False(PodWorker.NeedsSync(current, echoed));
    }

    public static TheoryData<string> Changes() => ["spec", "label", "annotation", "deletion", "grace", "foreign condition"];

    [Theory]
    [MemberData(nameof(Changes))]
    public void NeedsSync_WhatTheWorkerActsOn_True(string change)
    {
        var updated = Pod();
        switch (change)
        {
            case "spec":
                updated.Spec.ActiveDeadlineSeconds = 30;
                break;
            case "label":
                updated.Metadata.Labels["tier"] = "front";
                break;
            case "annotation":
                updated.Metadata.Annotations = new Dictionary<string, string> { ["a"] = "b" };
                break;
            case "deletion":
                updated.Metadata.DeletionTimestamp = DateTime.UnixEpoch;
                break;
            case "grace":
                updated.Metadata.DeletionGracePeriodSeconds = 0;
                break;
            default:
                updated.Status.Conditions.Add(new V1PodCondition { Type = "DisruptionTarget", Status = "True" });
                break;
        }

        Assert.True(PodWorker.NeedsSync(Pod(), updated));
    }

    /// <summary>An <see cref="IContainerRuntime"/> that counts the calls of each method and passes them on.</summary>
    public class CountingRuntime : DispatchProxy
    {
        private IContainerRuntime _inner = null!;
        private ConcurrentDictionary<string, int> _counts = null!;

        internal static (IContainerRuntime Runtime, ConcurrentDictionary<string, int> Counts) Wrap(IContainerRuntime inner)
        {
            var proxy = Create<IContainerRuntime, CountingRuntime>();
            var counting = (CountingRuntime)(object)proxy;
            counting._inner = inner;
            counting._counts = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            return (proxy, counting._counts);
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            _counts.AddOrUpdate(targetMethod!.Name, 1, (_, n) => n + 1);
            try
            {
                return targetMethod.Invoke(_inner, args);
            }
            catch (TargetInvocationException ex) when (ex.InnerException is not null)
            {
                throw ex.InnerException;
            }
        }
    }

    private sealed class NoObjects : IKubeletObjectSource
    {
        public Task<V1ConfigMap?> GetConfigMapAsync(string @namespace, string name, CancellationToken cancellationToken) => Task.FromResult<V1ConfigMap?>(null);

        public Task<V1Secret?> GetSecretAsync(string @namespace, string name, CancellationToken cancellationToken) => Task.FromResult<V1Secret?>(null);

        public Task<V1PersistentVolumeClaim?> GetPersistentVolumeClaimAsync(string @namespace, string name, CancellationToken cancellationToken) => Task.FromResult<V1PersistentVolumeClaim?>(null);

        public Task<V1PersistentVolume?> GetPersistentVolumeAsync(string name, CancellationToken cancellationToken) => Task.FromResult<V1PersistentVolume?>(null);
    }

    /// <summary>Records the phase of every status patch.</summary>
    private sealed class StatusPatches : IResourceClient<V1Pod>
    {
        public List<string?> Phases { get; } = [];

        public ApiResource Resource => ApiResource.Pods;

        public Task<V1Pod> PatchAsync(string? ns, string name, string mergePatch, CancellationToken cancellationToken, string? subresource = null)
        {
            Assert.Equal("status", subresource);
            var status = System.Text.Json.Nodes.JsonNode.Parse(mergePatch)!["status"]!;
            Phases.Add(status["phase"]?.GetValue<string>());
            return Task.FromResult(new V1Pod());
        }

        public Task<V1Pod> CreateAsync(V1Pod obj, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task DeleteAsync(string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ObjectList<V1Pod>> ListAsync(string? ns, ListOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public IAsyncEnumerable<WatchEvent<V1Pod>> WatchAsync(string? ns, WatchOptions options, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<V1Pod> GetAsync(string? ns, string name, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<V1Pod> UpdateAsync(V1Pod obj, CancellationToken cancellationToken, string? subresource = null) => throw new NotSupportedException();
    }
}
