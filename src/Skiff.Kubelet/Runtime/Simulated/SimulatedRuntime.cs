using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Skiff.Kubelet.Cri.V1;

namespace Skiff.Kubelet.Runtime.Simulated;

/// <summary>
/// A container runtime with no containers, for scale tests (<c>skiff sim</c>, like KWOK): sandboxes get the next free
/// address of the node's pod CIDR and no network; containers "run" from StartContainer (after the configured delay)
/// until they are stopped, or exit at once with code 1 for the configured share of starts; exec (and so exec probes)
/// succeeds with no output; every image is present. State lives in memory only, a few hundred bytes per container.
/// Thread-safe: one lock per runtime (one runtime per simulated node).
/// </summary>
internal sealed class SimulatedRuntime : IContainerRuntime
{
    private const int StopExitCode = 143; // 128 + SIGTERM, what a process killed by the stop signal reports

    private readonly SimulatedRuntimeOptions _options;
    private readonly Func<string?> _podCidr;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SandboxRecord> _sandboxes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContainerRecord> _containers = new(StringComparer.Ordinal);
    private readonly HashSet<uint> _addressesInUse = [];
    private readonly ConcurrentDictionary<string, Image> _images = new(StringComparer.Ordinal);
    private long _nextId;

    /// <param name="podCidr">The node's pod CIDR (spec.podCIDR) when it has one; sandboxes cannot start without it.</param>
    public SimulatedRuntime(SimulatedRuntimeOptions options, Func<string?> podCidr, TimeProvider time, Random random)
    {
        if (options.FailureRate is < 0 or > 1 || double.IsNaN(options.FailureRate))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.FailureRate, "the failure rate must be between 0 and 1");
        }

        _options = options;
        _podCidr = podCidr;
        _time = time;
        _random = random;
    }

    /// <summary>Number of containers the runtime holds (any state).</summary>
    public int ContainerCount
    {
        get
        {
            lock (_lock)
            {
                return _containers.Count;
            }
        }
    }

    public Task<VersionResponse> VersionAsync(CancellationToken cancellationToken) => Task.FromResult(new VersionResponse
    {
        Version = "0.1.0",
        RuntimeName = _options.RuntimeName,
        RuntimeVersion = _options.RuntimeVersion,
        RuntimeApiVersion = "v1",
    });

    public Task<StatusResponse> StatusAsync(CancellationToken cancellationToken) => Task.FromResult(new StatusResponse
    {
        Status = new RuntimeStatus
        {
            Conditions =
            {
                new RuntimeCondition { Type = "RuntimeReady", Status = true },
                new RuntimeCondition { Type = "NetworkReady", Status = true },
            },
        },
    });

    public Task<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken cancellationToken)
    {
        var cidr = _podCidr();
        if (string.IsNullOrEmpty(cidr))
        {
            throw new RuntimeException("RunPodSandbox", "network is not ready: the node has no pod CIDR yet", notFound: false);
        }

        lock (_lock)
        {
            var ip = Allocate(cidr);
            var id = NewId();
            _sandboxes[id] = new SandboxRecord(id, config.Metadata, config.Labels, config.Annotations, Now(), ip);
            return Task.FromResult(id);
        }
    }

    public Task StopPodSandboxAsync(string sandboxId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_sandboxes.TryGetValue(sandboxId, out var sandbox))
            {
                foreach (var container in _containers.Values.Where(c => c.SandboxId == sandboxId))
                {
                    Stop(container);
                }

                if (sandbox.Ready)
                {
                    sandbox.Ready = false;
                    _addressesInUse.Remove(sandbox.Address);
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task RemovePodSandboxAsync(string sandboxId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_sandboxes.Remove(sandboxId, out var sandbox))
            {
                _addressesInUse.Remove(sandbox.Address);
                foreach (var id in _containers.Values.Where(c => c.SandboxId == sandboxId).Select(c => c.Id).ToList())
                {
                    _containers.Remove(id);
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<PodSandboxStatus?> PodSandboxStatusAsync(string sandboxId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_sandboxes.TryGetValue(sandboxId, out var s))
            {
                return Task.FromResult<PodSandboxStatus?>(null);
            }

            var status = new PodSandboxStatus
            {
                Id = s.Id,
                Metadata = s.Metadata,
                State = s.Ready ? PodSandboxState.SandboxReady : PodSandboxState.SandboxNotready,
                CreatedAt = s.CreatedAt,
                Network = new PodSandboxNetworkStatus { Ip = s.Ready ? Format(s.Address) : "" },
            };
            status.Labels.Add(s.Labels);
            status.Annotations.Add(s.Annotations);
            return Task.FromResult<PodSandboxStatus?>(status);
        }
    }

    public Task<IReadOnlyList<PodSandbox>> ListPodSandboxesAsync(PodSandboxFilter? filter, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var list = new List<PodSandbox>();
            foreach (var s in _sandboxes.Values)
            {
                var state = s.Ready ? PodSandboxState.SandboxReady : PodSandboxState.SandboxNotready;
                if (filter is not null && ((filter.Id.Length > 0 && filter.Id != s.Id) || (filter.State is { } st && st.State != state) || !Matches(filter.LabelSelector, s.Labels)))
                {
                    continue;
                }

                var sandbox = new PodSandbox { Id = s.Id, Metadata = s.Metadata, State = state, CreatedAt = s.CreatedAt };
                sandbox.Labels.Add(s.Labels);
                sandbox.Annotations.Add(s.Annotations);
                list.Add(sandbox);
            }

            return Task.FromResult<IReadOnlyList<PodSandbox>>(list);
        }
    }

    public Task<string> CreateContainerAsync(string sandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_sandboxes.TryGetValue(sandboxId, out var sandbox) || !sandbox.Ready)
            {
                throw new RuntimeException("CreateContainer", $"sandbox {sandboxId} is not ready", notFound: sandbox is null);
            }

            var id = NewId();
            _containers[id] = new ContainerRecord(id, sandboxId, config.Metadata, config.Image?.Image ?? "", config.Labels, config.Annotations, Now(),
                Path.Combine(sandboxConfig.LogDirectory, config.LogPath));
            return Task.FromResult(id);
        }
    }

    public async Task StartContainerAsync(string containerId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_containers.TryGetValue(containerId, out var c) || c.State != ContainerState.ContainerCreated)
            {
                throw new RuntimeException("StartContainer", $"container {containerId} cannot be started: {(c is null ? "not found" : c.State.ToString())}", notFound: c is null);
            }
        }

        if (_options.StartDelay > TimeSpan.Zero)
        {
            await Task.Delay(_options.StartDelay, _time, cancellationToken).ConfigureAwait(false);
        }

        lock (_lock)
        {
            if (!_containers.TryGetValue(containerId, out var c))
            {
                throw new RuntimeException("StartContainer", $"container {containerId} was removed while starting", notFound: true);
            }

            c.State = ContainerState.ContainerRunning;
            c.StartedAt = Now();
            if (_options.FailureRate > 0 && _random.NextDouble() < _options.FailureRate)
            {
                c.State = ContainerState.ContainerExited;
                c.FinishedAt = c.StartedAt;
                c.ExitCode = 1;
                c.Reason = "Error";
                c.Message = "simulated failure";
            }
        }
    }

    public Task StopContainerAsync(string containerId, long timeoutSeconds, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_containers.TryGetValue(containerId, out var c))
            {
                Stop(c);
            }
        }

        return Task.CompletedTask;
    }

    public Task RemoveContainerAsync(string containerId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _containers.Remove(containerId);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<Container>> ListContainersAsync(ContainerFilter? filter, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var list = new List<Container>();
            foreach (var c in _containers.Values)
            {
                if (filter is not null && ((filter.Id.Length > 0 && filter.Id != c.Id) || (filter.PodSandboxId.Length > 0 && filter.PodSandboxId != c.SandboxId)
                    || (filter.State is { } st && st.State != c.State) || !Matches(filter.LabelSelector, c.Labels)))
                {
                    continue;
                }

                var container = new Container
                {
                    Id = c.Id,
                    PodSandboxId = c.SandboxId,
                    Metadata = c.Metadata,
                    Image = new ImageSpec { Image = c.Image },
                    ImageRef = ImageId(c.Image),
                    State = c.State,
                    CreatedAt = c.CreatedAt,
                };
                container.Labels.Add(c.Labels);
                container.Annotations.Add(c.Annotations);
                list.Add(container);
            }

            return Task.FromResult<IReadOnlyList<Container>>(list);
        }
    }

    public Task<ContainerStatus?> ContainerStatusAsync(string containerId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_containers.TryGetValue(containerId, out var c))
            {
                return Task.FromResult<ContainerStatus?>(null);
            }

            var status = new ContainerStatus
            {
                Id = c.Id,
                Metadata = c.Metadata,
                State = c.State,
                CreatedAt = c.CreatedAt,
                StartedAt = c.StartedAt,
                FinishedAt = c.FinishedAt,
                ExitCode = c.ExitCode,
                Image = new ImageSpec { Image = c.Image },
                ImageRef = ImageId(c.Image),
                Reason = c.Reason,
                Message = c.Message,
                LogPath = c.LogPath,
            };
            status.Labels.Add(c.Labels);
            status.Annotations.Add(c.Annotations);
            return Task.FromResult<ContainerStatus?>(status);
        }
    }

    /// <summary>The simulated runtime has no streaming server: interactive exec, attach and port-forward are refused.</summary>
    public Task<string> ExecAsync(ExecRequest request, CancellationToken cancellationToken) =>
        throw new RuntimeException("Exec", $"container {request.ContainerId}: the simulated runtime has no streaming server", notFound: false);

    public Task<string> AttachAsync(AttachRequest request, CancellationToken cancellationToken) =>
        throw new RuntimeException("Attach", $"container {request.ContainerId}: the simulated runtime has no streaming server", notFound: false);

    public Task<string> PortForwardAsync(PortForwardRequest request, CancellationToken cancellationToken) =>
        throw new RuntimeException("PortForward", $"sandbox {request.PodSandboxId}: the simulated runtime has no streaming server", notFound: false);

    public Task<ExecSyncResponse> ExecSyncAsync(string containerId, IEnumerable<string> command, TimeSpan timeout, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_containers.TryGetValue(containerId, out var c) || c.State != ContainerState.ContainerRunning)
            {
                throw new RuntimeException("ExecSync", $"container {containerId} is not running", notFound: c is null);
            }
        }

        return Task.FromResult(new ExecSyncResponse { ExitCode = 0, Stdout = ByteString.Empty, Stderr = ByteString.Empty });
    }

    public Task<Image?> ImageStatusAsync(string image, CancellationToken cancellationToken) => Task.FromResult<Image?>(Remember(image));

    public Task<string> PullImageAsync(string image, AuthConfig? auth, PodSandboxConfig? sandboxConfig, CancellationToken cancellationToken) =>
        Task.FromResult(Remember(image).Id);

    public Task<IReadOnlyList<Image>> ListImagesAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<Image>>([.. _images.Values]);

    /// <summary>Simulated containers have no filesystem: no writable layer to report.</summary>
    public Task<IReadOnlyList<ContainerStats>> ListContainerStatsAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<ContainerStats>>([]);

    public Task RemoveImageAsync(string image, CancellationToken cancellationToken)
    {
        foreach (var (name, record) in _images)
        {
            if (name == image || record.Id == image)
            {
                _images.TryRemove(name, out _);
            }
        }

        return Task.CompletedTask;
    }

    private Image Remember(string image) => _images.GetOrAdd(image, name => new Image { Id = ImageId(name), RepoTags = { name }, Size = 1024 * 1024 });

    private static string ImageId(string image) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(image)));

    private void Stop(ContainerRecord c)
    {
        if (c.State is ContainerState.ContainerRunning or ContainerState.ContainerCreated)
        {
            c.State = ContainerState.ContainerExited;
            c.FinishedAt = Now();
            c.ExitCode = c.StartedAt == 0 ? 0 : StopExitCode;
            c.Reason = c.StartedAt == 0 ? "ContainerCannotRun" : "Error";
        }
    }

    private static bool Matches(MapField<string, string> selector, MapField<string, string> labels)
    {
        foreach (var (key, value) in selector)
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The lowest free host address of <paramref name="cidr"/> (the first address is the bridge's, as with host-local).</summary>
    private uint Allocate(string cidr)
    {
        var slash = cidr.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(cidr[..slash], out var network) || network.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(cidr[(slash + 1)..], out var prefix) || prefix is < 8 or > 30)
        {
            throw new RuntimeException("RunPodSandbox", $"cannot allocate from pod CIDR {cidr}: not an IPv4 CIDR with a /8 to /30 prefix", notFound: false);
        }

        var bytes = network.GetAddressBytes();
        var start = ((uint)bytes[0] << 24) | ((uint)bytes[1] << 16) | ((uint)bytes[2] << 8) | bytes[3];
        var size = 1u << (32 - prefix);
        for (var offset = 2u; offset < size - 1; offset++)
        {
            if (_addressesInUse.Add(start + offset))
            {
                return start + offset;
            }
        }

        throw new RuntimeException("RunPodSandbox", $"no free address in pod CIDR {cidr}", notFound: false);
    }

    private static string Format(uint address) => $"{address >> 24}.{(address >> 16) & 255}.{(address >> 8) & 255}.{address & 255}";

    private string NewId() => Interlocked.Increment(ref _nextId).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    private long Now() => (_time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;

    private sealed class SandboxRecord(string id, PodSandboxMetadata metadata, MapField<string, string> labels, MapField<string, string> annotations, long createdAt, uint address)
    {
        public string Id { get; } = id;

        public PodSandboxMetadata Metadata { get; } = metadata;

        public MapField<string, string> Labels { get; } = labels;

        public MapField<string, string> Annotations { get; } = annotations;

        public long CreatedAt { get; } = createdAt;

        public uint Address { get; } = address;

        public bool Ready { get; set; } = true;
    }

    private sealed class ContainerRecord(string id, string sandboxId, ContainerMetadata metadata, string image, MapField<string, string> labels, MapField<string, string> annotations, long createdAt, string logPath)
    {
        public string Id { get; } = id;

        public string SandboxId { get; } = sandboxId;

        public ContainerMetadata Metadata { get; } = metadata;

        public string Image { get; } = image;

        public MapField<string, string> Labels { get; } = labels;

        public MapField<string, string> Annotations { get; } = annotations;

        public long CreatedAt { get; } = createdAt;

        public string LogPath { get; } = logPath;

        public ContainerState State { get; set; } = ContainerState.ContainerCreated;

        public long StartedAt { get; set; }

        public long FinishedAt { get; set; }

        public int ExitCode { get; set; }

        public string Reason { get; set; } = "";

        public string Message { get; set; } = "";
    }
}
