using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Env;
using Skiff.Kubelet.Tests.Env;
using Skiff.Kubelet.Volumes;

namespace Skiff.Kubelet.Tests.Volumes;

/// <summary>The volume manager on real directories, with real tmpfs mounts (this machine runs tests as root).</summary>
public sealed class VolumeManagerTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly FakeObjectSource _objects = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 26, 2, 0, 0, TimeSpan.Zero));
    private readonly LinuxMounter _mounter = new();
    private ITokenSource _tokens = new UnavailableTokenSource();

    public void Dispose() => _dir.Dispose();

    private string PodDir => _dir.Sub("pods", "uid-1");

    private VolumeManager Manager(VolumeOptions? options = null) =>
        new(_objects, _tokens, _mounter, _time, NullLogger<VolumeManager>.Instance, options);

    private static V1Pod Pod(params V1Volume[] volumes)
    {
        var pod = DownwardApiTests.Pod();
        pod.Spec.Volumes = volumes;
        return pod;
    }

    private Task<PodVolumes> SetUp(V1Pod pod, VolumeOptions? options = null) =>
        Manager(options).SetUpAsync(new VolumeRequest
        {
            Pod = pod,
            PodDir = PodDir,
            NodeAllocatable = new Dictionary<string, ResourceQuantity> { ["memory"] = new("8Gi"), ["cpu"] = new("4") },
        }, CancellationToken.None);

    private static string Text(string path) => File.ReadAllText(path);

    private bool IsMounted(string path) => _mounter.MountPointsUnder(path).Contains(path);

    private static string? MountOptions(string path) =>
        File.ReadLines("/proc/self/mountinfo").Select(l => l.Split(' ')).FirstOrDefault(f => f[4] == path) is { } fields
            ? fields[^1] + " " + fields[^3]
            : null;

    [Fact]
    public async Task EmptyDir_on_disk_is_a_world_writable_directory_with_its_limit_recorded()
    {
        var volumes = await SetUp(Pod(new V1Volume { Name = "cache", EmptyDir = new V1EmptyDirVolumeSource { SizeLimit = new("1Ki") } }));
        var v = volumes.Volumes["cache"];
        Assert.Equal(Path.Combine(PodDir, "volumes", "kubernetes.io~empty-dir", "cache"), v.HostPath);
        Assert.True(Directory.Exists(v.HostPath));
        Assert.Equal(Convert.ToInt32("777", 8), UnixFile.GetMode(v.HostPath));
        Assert.Equal(1024, v.SizeLimitBytes);
        Assert.False(v.Tmpfs);
        Assert.Single(volumes.LimitedEmptyDirs);

        await File.WriteAllBytesAsync(Path.Combine(v.HostPath, "big"), new byte[2048]);
        Assert.Equal(2048, VolumeManager.MeasureUsage(v.HostPath));
    }

    [Fact]
    public async Task EmptyDir_memory_is_a_real_tmpfs_sized_by_sizeLimit_and_teardown_unmounts_it()
    {
        var manager = Manager();
        var pod = Pod(new V1Volume { Name = "shm", EmptyDir = new V1EmptyDirVolumeSource { Medium = "Memory", SizeLimit = new("16Mi") } });
        var request = new VolumeRequest { Pod = pod, PodDir = PodDir };
        var volumes = await manager.SetUpAsync(request, CancellationToken.None);
        var path = volumes.Volumes["shm"].HostPath;
        Assert.True(IsMounted(path));
        var options = MountOptions(path)!;
        Assert.Contains("tmpfs", options);
        Assert.Contains("size=16384k", options);
        Assert.True(volumes.Volumes["shm"].Tmpfs);

        // Idempotent: a second sync does not stack another mount.
        await manager.SetUpAsync(request, CancellationToken.None);
        Assert.Single(_mounter.MountPointsUnder(path));

        await manager.TearDownAsync(PodDir, CancellationToken.None);
        Assert.False(IsMounted(path));
        Assert.False(Directory.Exists(Path.Combine(PodDir, "volumes")));
        await manager.TearDownAsync(PodDir, CancellationToken.None); // idempotent
    }

    [Theory]
    [InlineData(null, null, 8L * 1024 * 1024 * 1024)]
    [InlineData("1Gi", null, 1L * 1024 * 1024 * 1024)]
    [InlineData(null, "64Mi", 128L * 1024 * 1024)]    // two containers with 64Mi limits
    [InlineData("32Mi", "64Mi", 32L * 1024 * 1024)]
    [InlineData("1Gi", "64Mi", 128L * 1024 * 1024)]   // sizeLimit above the pod limit is capped
    public void Memory_emptyDir_size_follows_kubelet_rules(string? sizeLimit, string? containerLimit, long expected)
    {
        var pod = Pod();
        pod.Spec.Containers = Enumerable.Range(0, 2).Select(i => new V1Container
        {
            Name = "c" + i,
            Resources = containerLimit is null ? null : new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new(containerLimit) } },
        }).ToList();
        long? limit = sizeLimit is null ? null : (long)new ResourceQuantity(sizeLimit).ToDecimal();
        Assert.Equal(expected, VolumeManager.MemorySize(pod, limit, new Dictionary<string, ResourceQuantity> { ["memory"] = new("8Gi") }));
    }

    [Fact]
    public async Task ConfigMap_items_modes_and_updates_propagate_on_resync()
    {
        _objects.AddConfigMap("shop", "app", new() { ["game.properties"] = "lives=3", ["ui.ini"] = "color=red" }, new() { ["logo.bin"] = [1, 2, 3] });
        var all = new V1Volume { Name = "all", ConfigMap = new V1ConfigMapVolumeSource { Name = "app", DefaultMode = 256 } };
        var some = new V1Volume
        {
            Name = "some",
            ConfigMap = new V1ConfigMapVolumeSource { Name = "app", Items = [new V1KeyToPath { Key = "ui.ini", Path = "conf/ui.ini", Mode = 384 }, new V1KeyToPath { Key = "logo.bin", Path = "logo" }] },
        };
        var volumes = await SetUp(Pod(all, some));
        var allDir = volumes.Volumes["all"].HostPath;
        var someDir = volumes.Volumes["some"].HostPath;
        Assert.Equal(Path.Combine(PodDir, "volumes", "kubernetes.io~configmap", "all"), allDir);
        Assert.True(volumes.Volumes["all"].ReadOnly);
        Assert.Equal("lives=3", Text(Path.Combine(allDir, "game.properties")));
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(Path.Combine(allDir, "logo.bin")));
        Assert.Equal(256, UnixFile.GetMode(Path.Combine(allDir, "..data", "ui.ini")));
        Assert.Equal("color=red", Text(Path.Combine(someDir, "conf", "ui.ini")));
        Assert.Equal(384, UnixFile.GetMode(Path.Combine(someDir, "..data", "conf", "ui.ini")));
        Assert.Equal(420, UnixFile.GetMode(Path.Combine(someDir, "..data", "logo")));
        Assert.False(File.Exists(Path.Combine(someDir, "game.properties")));

        _objects.AddConfigMap("shop", "app", new() { ["game.properties"] = "lives=5" });
        _time.Advance(TimeSpan.FromMinutes(1));
        var ex = await Assert.ThrowsAsync<VolumeSetupException>(() => SetUp(Pod(all, some)));
        Assert.Equal("MountVolume.SetUp failed for volume \"some\" : configmap references non-existent config key: ui.ini", ex.Message);
        Assert.Equal("lives=5", Text(Path.Combine(allDir, "game.properties")));   // the other volume was still re-synced
        Assert.False(File.Exists(Path.Combine(allDir, "ui.ini")));
    }

    [Fact]
    public async Task Missing_objects_fail_unless_optional()
    {
        var ex = await Assert.ThrowsAsync<VolumeSetupException>(() => SetUp(Pod(new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = "absent" } })));
        Assert.Equal("MountVolume.SetUp failed for volume \"cfg\" : configmap \"absent\" not found", ex.Message);
        ex = await Assert.ThrowsAsync<VolumeSetupException>(() => SetUp(Pod(new V1Volume { Name = "creds", Secret = new V1SecretVolumeSource { SecretName = "absent" } })));
        Assert.Equal("MountVolume.SetUp failed for volume \"creds\" : secret \"absent\" not found", ex.Message);

        var volumes = await SetUp(Pod(
            new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = "absent", Optional = true } },
            new V1Volume { Name = "creds", Secret = new V1SecretVolumeSource { SecretName = "absent", Optional = true } }));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(volumes.Volumes["cfg"].HostPath), e => !Path.GetFileName(e).StartsWith("..", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Secret_is_written_on_tmpfs_and_decoded()
    {
        _objects.AddSecret("shop", "db", new() { ["password"] = "s3cr3t", ["user"] = "admin" });
        var volumes = await SetUp(Pod(new V1Volume { Name = "creds", Secret = new V1SecretVolumeSource { SecretName = "db", Items = [new V1KeyToPath { Key = "password", Path = "pw" }], DefaultMode = 256 } }));
        var dir = volumes.Volumes["creds"].HostPath;
        Assert.Equal(Path.Combine(PodDir, "volumes", "kubernetes.io~secret", "creds"), dir);
        Assert.True(IsMounted(dir));
        Assert.Contains("tmpfs", MountOptions(dir));
        Assert.Equal("s3cr3t", Text(Path.Combine(dir, "pw")));
        Assert.Equal(256, UnixFile.GetMode(Path.Combine(dir, "..data", "pw")));
        Assert.False(File.Exists(Path.Combine(dir, "user")));

        // Without tmpfs (an unprivileged node) the same files land on disk.
        await Manager().TearDownAsync(PodDir, CancellationToken.None);
        volumes = await SetUp(Pod(new V1Volume { Name = "creds", Secret = new V1SecretVolumeSource { SecretName = "db" } }), new VolumeOptions { SecretsOnTmpfs = false });
        Assert.False(IsMounted(volumes.Volumes["creds"].HostPath));
        Assert.Equal("admin", Text(Path.Combine(volumes.Volumes["creds"].HostPath, "user")));
    }

    [Fact]
    public async Task DownwardApi_files_follow_label_changes()
    {
        var volume = new V1Volume
        {
            Name = "info",
            DownwardAPI = new V1DownwardAPIVolumeSource
            {
                Items =
                [
                    new V1DownwardAPIVolumeFile { Path = "labels", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels" } },
                    new V1DownwardAPIVolumeFile { Path = "./meta/name", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } },
                    new V1DownwardAPIVolumeFile { Path = "mem", ResourceFieldRef = new V1ResourceFieldSelector { ContainerName = "app", Resource = "limits.memory", Divisor = new("1Mi") } },
                    new V1DownwardAPIVolumeFile { Path = "side_cpu", ResourceFieldRef = new V1ResourceFieldSelector { ContainerName = "side", Resource = "limits.cpu" } },
                ],
            },
        };
        var pod = Pod(volume);
        var volumes = await SetUp(pod);
        var dir = volumes.Volumes["info"].HostPath;
        Assert.Equal(Path.Combine(PodDir, "volumes", "kubernetes.io~downward-api", "info"), dir);
        Assert.Equal("app=\"web\"\ntier=\"front\"", Text(Path.Combine(dir, "labels")));
        Assert.Equal("web", Text(Path.Combine(dir, "meta", "name")));
        Assert.Equal("128", Text(Path.Combine(dir, "mem")));
        Assert.Equal("4", Text(Path.Combine(dir, "side_cpu"))); // unset limit → node allocatable

        pod.Metadata.Labels["tier"] = "back";
        _time.Advance(TimeSpan.FromSeconds(30));
        await SetUp(pod);
        Assert.Equal("app=\"web\"\ntier=\"back\"", Text(Path.Combine(dir, "labels")));
    }

    [Fact]
    public async Task Projected_combines_sources_and_token_source_failure_is_clear()
    {
        _objects.AddConfigMap("shop", "kube-root-ca.crt", new() { ["ca.crt"] = "CERT" });
        _objects.AddSecret("shop", "db", new() { ["password"] = "pw" });
        var projected = new V1Volume
        {
            Name = "kube-api-access",
            Projected = new V1ProjectedVolumeSource
            {
                DefaultMode = 420,
                Sources =
                [
                    new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { Path = "token", ExpirationSeconds = 3607 } },
                    new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = "kube-root-ca.crt", Items = [new V1KeyToPath { Key = "ca.crt", Path = "ca.crt" }] } },
                    new V1VolumeProjection { Secret = new V1SecretProjection { Name = "db" } },
                    new V1VolumeProjection { DownwardAPI = new V1DownwardAPIProjection { Items = [new V1DownwardAPIVolumeFile { Path = "namespace", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.namespace" } }] } },
                ],
            },
        };

        var ex = await Assert.ThrowsAsync<VolumeSetupException>(() => SetUp(Pod(projected)));
        Assert.StartsWith("MountVolume.SetUp failed for volume \"kube-api-access\" : failed to fetch token: service account token projection is not available", ex.Message);

        var tokens = new RecordingTokens();
        _tokens = tokens;
        var volumes = await SetUp(Pod(projected));
        var dir = volumes.Volumes["kube-api-access"].HostPath;
        Assert.Equal(Path.Combine(PodDir, "volumes", "kubernetes.io~projected", "kube-api-access"), dir);
        Assert.True(IsMounted(dir));
        Assert.Equal("token-for-web", Text(Path.Combine(dir, "token")));
        Assert.Equal((null, 3607L), (tokens.Audience, tokens.Expiration));
        Assert.Equal("CERT", Text(Path.Combine(dir, "ca.crt")));
        Assert.Equal("pw", Text(Path.Combine(dir, "password")));
        Assert.Equal("shop", Text(Path.Combine(dir, "namespace")));

        // Several failing sources are reported together.
        projected.Projected.Sources.Add(new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = "nope" } });
        projected.Projected.Sources.Add(new V1VolumeProjection { Secret = new V1SecretProjection { Name = "gone" } });
        ex = await Assert.ThrowsAsync<VolumeSetupException>(() => SetUp(Pod(projected)));
        Assert.Equal("MountVolume.SetUp failed for volume \"kube-api-access\" : [configmap \"nope\" not found, secret \"gone\" not found]", ex.Message);
    }

    [Fact]
    public async Task HostPath_checks_type_and_uses_the_host_directory()
    {
        var data = _dir.Sub("srv", "data");
        var volumes = await SetUp(Pod(new V1Volume { Name = "data", HostPath = new V1HostPathVolumeSource { Path = data, Type = "DirectoryOrCreate" } }));
        Assert.Equal(data, volumes.Volumes["data"].HostPath);
        Assert.True(Directory.Exists(data));
        var ex = await Assert.ThrowsAsync<VolumeSetupException>(() => SetUp(Pod(new V1Volume { Name = "f", HostPath = new V1HostPathVolumeSource { Path = data, Type = "File" } })));
        Assert.Equal($"MountVolume.SetUp failed for volume \"f\" : hostPath type check failed: {data} is not a file", ex.Message);
    }

    [Fact]
    public async Task PersistentVolumeClaim_mounts_the_bound_volume_path()
    {
        var local = _dir.Sub("disks", "pv1");
        Directory.CreateDirectory(local);
        _objects.Claims[("shop", "data")] = new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = "data", NamespaceProperty = "shop", Uid = "pvc-uid" },
            Spec = new V1PersistentVolumeClaimSpec { VolumeName = "pv1" },
            Status = new V1PersistentVolumeClaimStatus { Phase = "Bound" },
        };
        _objects.Volumes["pv1"] = new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = "pv1" },
            Spec = new V1PersistentVolumeSpec { Local = new V1LocalVolumeSource { Path = local }, ClaimRef = new V1ObjectReference { Name = "data", NamespaceProperty = "shop", Uid = "pvc-uid" } },
        };
        _objects.Claims[("shop", "pending")] = new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = "pending", NamespaceProperty = "shop" },
            Status = new V1PersistentVolumeClaimStatus { Phase = "Pending" },
        };

        var volumes = await SetUp(Pod(new V1Volume { Name = "vol", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data", ReadOnlyProperty = true } }));
        Assert.Equal(local, volumes.Volumes["vol"].HostPath);
        Assert.True(volumes.Volumes["vol"].ReadOnly);

        var ex = await Assert.ThrowsAsync<VolumeSetupException>(() => SetUp(Pod(new V1Volume { Name = "vol", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "pending" } })));
        Assert.Equal("MountVolume.SetUp failed for volume \"vol\" : error processing PVC shop/pending: PVC shop/pending has non-bound phase (\"Pending\") or empty pvc.Spec.VolumeName (\"\")", ex.Message);
        ex = await Assert.ThrowsAsync<VolumeSetupException>(() => SetUp(Pod(new V1Volume { Name = "vol", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "missing" } })));
        Assert.Equal("MountVolume.SetUp failed for volume \"vol\" : error processing PVC shop/missing: failed to fetch PVC from API server: persistentvolumeclaims \"missing\" not found", ex.Message);

        _objects.Volumes["pv1"].Spec.ClaimRef.Uid = "someone-else";
        ex = await Assert.ThrowsAsync<VolumeSetupException>(() => SetUp(Pod(new V1Volume { Name = "vol", PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = "data" } })));
        Assert.Contains("but its Spec.ClaimRef does not point to PVC \"shop/data\"", ex.Message);
    }

    [Fact]
    public async Task Unsupported_volume_types_fail_clearly()
    {
        var ex = await Assert.ThrowsAsync<VolumeSetupException>(() => SetUp(Pod(new V1Volume { Name = "nfs", Nfs = new V1NFSVolumeSource { Server = "10.0.0.1", Path = "/x" } })));
        Assert.StartsWith("MountVolume.SetUp failed for volume \"nfs\" : no volume plugin matched", ex.Message);
    }

    [Fact]
    public async Task MountsFor_resolves_subpaths_readonly_and_propagation()
    {
        _objects.AddConfigMap("shop", "app", new() { ["app.conf"] = "x=1" });
        var volumes = await SetUp(Pod(
            new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() },
            new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = "app" } }));
        var container = new V1Container
        {
            Name = "web",
            VolumeMounts =
            [
                new V1VolumeMount { Name = "data", MountPath = "/data" },
                new V1VolumeMount { Name = "data", MountPath = "/logs", SubPathExpr = "logs/$(POD_NAME)", ReadOnlyProperty = true, MountPropagation = "HostToContainer" },
                new V1VolumeMount { Name = "cfg", MountPath = "/etc/app.conf", SubPath = "app.conf" },
            ],
        };
        var env = new Dictionary<string, string> { ["POD_NAME"] = "web-1" };
        var mounts = VolumeManager.MountsFor(container, volumes, env);
        var emptyDir = volumes.Volumes["data"].HostPath;
        Assert.Equal(new ContainerMount("data", emptyDir, "/data", false, MountPropagation.Private), mounts[0]);
        Assert.Equal(new ContainerMount("data", Path.Combine(emptyDir, "logs", "web-1"), "/logs", true, MountPropagation.HostToContainer), mounts[1]);
        Assert.True(Directory.Exists(mounts[1].HostPath));
        Assert.True(mounts[2].ReadOnly); // configMap volumes are always read-only
        Assert.Matches(@"/kubernetes\.io~configmap/cfg/\.\.2026_11_26_02_00_00\.\d+/app\.conf$", mounts[2].HostPath);

        Assert.Equal("cannot find volume \"nope\" to mount into container \"web\"", Assert.Throws<CreateContainerConfigException>(() =>
            VolumeManager.MountsFor(new V1Container { Name = "web", VolumeMounts = [new V1VolumeMount { Name = "nope", MountPath = "/x" }] }, volumes, env)).Message);
        Assert.Equal("missing value for NOPE", Assert.Throws<CreateContainerConfigException>(() =>
            VolumeManager.MountsFor(new V1Container { Name = "web", VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/x", SubPathExpr = "$(NOPE)" }] }, volumes, env)).Message);
        Assert.Equal("Bidirectional mount propagation is available only to privileged containers", Assert.Throws<CreateContainerConfigException>(() =>
            VolumeManager.MountsFor(new V1Container { Name = "web", VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/x", MountPropagation = "Bidirectional" }] }, volumes, env)).Message);
        var privileged = new V1Container { Name = "web", SecurityContext = new V1SecurityContext { Privileged = true }, VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/x", MountPropagation = "Bidirectional" }] };
        Assert.Equal(MountPropagation.Bidirectional, VolumeManager.MountsFor(privileged, volumes, env)[0].Propagation);
    }

    [Fact]
    public async Task PrepareMounts_pins_subpaths_with_bind_mounts_and_teardown_removes_them()
    {
        _objects.AddConfigMap("shop", "app", new() { ["app.conf"] = "x=1" });
        var manager = Manager();
        var volumes = await manager.SetUpAsync(new VolumeRequest
        {
            Pod = Pod(new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }, new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = "app" } }),
            PodDir = PodDir,
        }, CancellationToken.None);
        var container = new V1Container
        {
            Name = "web",
            VolumeMounts =
            [
                new V1VolumeMount { Name = "data", MountPath = "/data" },
                new V1VolumeMount { Name = "data", MountPath = "/logs", SubPath = "logs/app" },
                new V1VolumeMount { Name = "cfg", MountPath = "/etc/app.conf", SubPath = "app.conf" },
            ],
        };
        var mounts = manager.PrepareMounts(container, volumes, new Dictionary<string, string>());
        Assert.Equal(volumes.Volumes["data"].HostPath, mounts[0].HostPath);
        var logs = Path.Combine(PodDir, "volume-subpaths", "data", "web", "1");
        var conf = Path.Combine(PodDir, "volume-subpaths", "cfg", "web", "2");
        Assert.Equal(logs, mounts[1].HostPath);
        Assert.Equal(conf, mounts[2].HostPath);
        Assert.True(IsMounted(logs));
        Assert.True(IsMounted(conf));
        Assert.Equal("x=1", Text(conf));
        await File.WriteAllTextAsync(Path.Combine(logs, "out.log"), "hello");
        Assert.Equal("hello", Text(Path.Combine(volumes.Volumes["data"].HostPath, "logs", "app", "out.log")));

        // A restarted container pins again without stacking mounts.
        manager.PrepareMounts(container, volumes, new Dictionary<string, string>());
        Assert.Single(_mounter.MountPointsUnder(logs));

        await manager.TearDownAsync(PodDir, CancellationToken.None);
        Assert.Empty(_mounter.MountPointsUnder(PodDir));
        Assert.False(Directory.Exists(Path.Combine(PodDir, "volume-subpaths")));
        Assert.False(Directory.Exists(Path.Combine(PodDir, "volumes")));
    }

    [Fact]
    public void Pinning_opens_no_symlink_even_one_inside_the_volume()
    {
        var root = _dir.Sub("vol");
        Directory.CreateDirectory(Path.Combine(root, "real", "deeper"));
        File.CreateSymbolicLink(Path.Combine(root, "inner"), "real");
        var fd = SubPathPinner.OpenNoFollow(root, "real/deeper");
        Assert.True(fd >= 0);
        SubPathPinner.Close(fd);
        Assert.Equal(-1, SubPathPinner.OpenNoFollow(root, "inner"));
        Assert.Equal(-1, SubPathPinner.OpenNoFollow(root, "inner/deeper"));
    }

    [Fact]
    public async Task TearDown_never_follows_links_out_of_the_pod()
    {
        var outside = _dir.Sub("precious");
        Directory.CreateDirectory(outside);
        await File.WriteAllTextAsync(Path.Combine(outside, "keep.txt"), "keep me");
        var manager = Manager();
        var volumes = await manager.SetUpAsync(new VolumeRequest { Pod = Pod(new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() }), PodDir = PodDir }, CancellationToken.None);
        File.CreateSymbolicLink(Path.Combine(volumes.Volumes["data"].HostPath, "link"), outside);

        await manager.TearDownAsync(PodDir, CancellationToken.None);
        Assert.False(Directory.Exists(Path.Combine(PodDir, "volumes")));
        Assert.Equal("keep me", await File.ReadAllTextAsync(Path.Combine(outside, "keep.txt")));
    }

    [Fact]
    public async Task FsGroup_owns_volumes_with_group_bits_and_setgid()
    {
        _objects.AddConfigMap("shop", "app", new() { ["a.conf"] = "x", ["key.pem"] = "k" });
        _tokens = new RecordingTokens();
        var pod = Pod(
            new V1Volume { Name = "data", EmptyDir = new V1EmptyDirVolumeSource() },
            new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = "app", Items = [new V1KeyToPath { Key = "a.conf", Path = "a.conf" }, new V1KeyToPath { Key = "key.pem", Path = "key.pem", Mode = 256 }] } },
            new V1Volume { Name = "tok", Projected = new V1ProjectedVolumeSource { DefaultMode = 420, Sources = [new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { Path = "token" } }] } });
        pod.Spec.SecurityContext = new V1PodSecurityContext { FsGroup = 4321 };
        var volumes = await SetUp(pod);

        var data = volumes.Volumes["data"].HostPath;
        Assert.Equal(4321, FileKinds.GroupOf(data));
        Assert.Equal(Convert.ToInt32("2777", 8), UnixFile.GetMode(data));

        var cfg = volumes.Volumes["cfg"].HostPath;
        var ts = Path.Combine(cfg, new FileInfo(Path.Combine(cfg, "..data")).LinkTarget!);
        Assert.Equal(4321, FileKinds.GroupOf(Path.Combine(ts, "a.conf")));
        Assert.Equal(Convert.ToInt32("644", 8), UnixFile.GetMode(Path.Combine(ts, "a.conf")));
        Assert.Equal(Convert.ToInt32("440", 8), UnixFile.GetMode(Path.Combine(ts, "key.pem")));   // 0400 | 0440
        Assert.Equal(Convert.ToInt32("2755", 8), UnixFile.GetMode(ts));

        var tok = volumes.Volumes["tok"].HostPath;
        Assert.Equal(Convert.ToInt32("640", 8), UnixFile.GetMode(Path.Combine(tok, "..data", "token")));   // 0600 | 0440

        // A re-sync with unchanged contents keeps the same version (group bits are not a change).
        var before = new FileInfo(Path.Combine(cfg, "..data")).LinkTarget;
        _time.Advance(TimeSpan.FromMinutes(1));
        await SetUp(pod);
        Assert.Equal(before, new FileInfo(Path.Combine(cfg, "..data")).LinkTarget);
    }

    private sealed class RecordingTokens : ITokenSource
    {
        public string? Audience { get; private set; }
        public long Expiration { get; private set; }

        public Task<string> GetTokenAsync(V1Pod pod, string? audience, long expirationSeconds, CancellationToken cancellationToken)
        {
            Audience = audience;
            Expiration = expirationSeconds;
            return Task.FromResult("token-for-" + pod.Metadata.Name);
        }
    }
}
