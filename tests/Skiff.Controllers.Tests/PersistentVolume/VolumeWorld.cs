using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Cache;
using Skiff.Client.Queues;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.LocalPath;
using Skiff.Controllers.PersistentVolume;

namespace Skiff.Controllers.Tests.PersistentVolume;

/// <summary>
/// Claims, volumes and classes held by fake clients, with informers that see each write once the test reflects
/// them (as a watch would), and the binder (plus, optionally, the local-path provisioner) driven to a fixed point.
/// </summary>
internal sealed class VolumeWorld
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public FakeInformer<V1PersistentVolumeClaim> Claims { get; } = new();

    public FakeInformer<V1PersistentVolume> Volumes { get; } = new();

    public FakeInformer<V1StorageClass> Classes { get; } = new();

    public FakeResourceClient<V1PersistentVolumeClaim> ClaimClient { get; } = new(VolumeResources.PersistentVolumeClaims);

    public FakeResourceClient<V1PersistentVolume> VolumeClient { get; } = new(VolumeResources.PersistentVolumes);

    public FakeEventRecorder Recorder { get; } = new();

    public PersistentVolumeController Binder { get; }

    public LocalPathProvisioner? Provisioner { get; private set; }

    public VolumeWorld()
    {
        Binder = new PersistentVolumeController(Claims, Volumes, Classes, ClaimClient, VolumeClient, Recorder, Time, NullLogger.Instance);
    }

    public LocalPathProvisioner AddProvisioner(string storageDirectory, string nodeName)
    {
        Provisioner = new LocalPathProvisioner(Claims, Volumes, Classes, VolumeClient, Recorder, new LocalPathOptions { StorageDirectory = storageDirectory, NodeName = nodeName }, Time, NullLogger.Instance);
        return Provisioner;
    }

    public V1PersistentVolumeClaim Claim(string name, string size = "1Gi", string? storageClass = "", string[]? modes = null, string? volumeName = null, Dictionary<string, string>? annotations = null)
    {
        var claim = ClaimClient.Seed(new V1PersistentVolumeClaim
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", Annotations = annotations, CreationTimestamp = Time.GetUtcNow().UtcDateTime },
            Spec = new V1PersistentVolumeClaimSpec
            {
                AccessModes = modes ?? ["ReadWriteOnce"],
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) } },
                StorageClassName = storageClass,
                VolumeName = volumeName,
                VolumeMode = "Filesystem",
            },
            Status = new V1PersistentVolumeClaimStatus { Phase = "Pending" },
        });
        Reflect();
        return claim;
    }

    public V1PersistentVolume Volume(string name, string size = "1Gi", string storageClass = "", string[]? modes = null, string reclaim = "Retain", V1ObjectReference? claimRef = null, Dictionary<string, string>? labels = null)
    {
        var volume = VolumeClient.Seed(new V1PersistentVolume
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1PersistentVolumeSpec
            {
                Capacity = new Dictionary<string, ResourceQuantity> { ["storage"] = new(size) },
                AccessModes = modes ?? ["ReadWriteOnce"],
                HostPath = new V1HostPathVolumeSource { Path = "/tmp/" + name },
                PersistentVolumeReclaimPolicy = reclaim,
                StorageClassName = storageClass,
                VolumeMode = "Filesystem",
                ClaimRef = claimRef,
            },
            Status = new V1PersistentVolumeStatus { Phase = "Pending" },
        });
        Reflect();
        return volume;
    }

    public V1StorageClass Class(string name, string mode = "Immediate", string provisioner = "example.com/none", bool isDefault = false, string reclaim = "Delete", int createdSecondsAgo = 60)
    {
        var sc = new V1StorageClass
        {
            Metadata = new V1ObjectMeta
            {
                Name = name,
                Uid = Guid.NewGuid().ToString(),
                ResourceVersion = "1",
                CreationTimestamp = Time.GetUtcNow().UtcDateTime.AddSeconds(-createdSecondsAgo),
                Annotations = isDefault ? new Dictionary<string, string> { [VolumeAnnotations.DefaultClass] = "true" } : null,
            },
            Provisioner = provisioner,
            VolumeBindingMode = mode,
            ReclaimPolicy = reclaim,
        };
        Classes.Add(sc);
        return sc;
    }

    public V1PersistentVolumeClaim GetClaim(string name) => ClaimClient.Objects.Single(c => c.Metadata.Name == name);

    public V1PersistentVolume GetVolume(string name) => VolumeClient.Objects.Single(v => v.Metadata.Name == name);

    public void DeleteClaim(string name)
    {
        var claim = GetClaim(name);
        ClaimClient.DeleteAsync("ns", name, null, CancellationToken.None).GetAwaiter().GetResult();
        Claims.Delete(claim);
    }

    /// <summary>Copies every change the fake clients hold into the informers, as their watches would deliver it.</summary>
    public void Reflect()
    {
        ReflectOne(ClaimClient.Objects, Claims);
        ReflectOne(VolumeClient.Objects, Volumes);
    }

    /// <summary>Runs the controllers until no key is left and no write is pending; a sync failure fails the test.</summary>
    public async Task ConvergeAsync()
    {
        for (var round = 0; round < 100; round++)
        {
            var worked = await DrainAsync(Binder.Queue, Binder.SyncAsync);
            if (Provisioner is not null)
            {
                worked |= await DrainAsync(Provisioner.Queue, Provisioner.SyncAsync);
            }

            Reflect();
            if (!worked && Binder.Queue.Length == 0 && (Provisioner?.Queue.Length ?? 0) == 0)
            {
                return;
            }
        }

        throw new InvalidOperationException("the volume controllers did not settle");
    }

    private static async Task<bool> DrainAsync(RateLimitingQueue<string> queue, Func<string, CancellationToken, Task> sync)
    {
        var worked = false;
        while (queue.Length > 0)
        {
            var (key, _) = await queue.GetAsync(CancellationToken.None);
            try
            {
                await sync(key, CancellationToken.None);
            }
            finally
            {
                queue.Done(key);
            }

            worked = true;
        }

        return worked;
    }

    private static void ReflectOne<T>(IReadOnlyList<T> current, FakeInformer<T> informer)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        foreach (var obj in current)
        {
            if (informer.Indexer.Get(ObjectKey.Of(obj))?.Metadata.ResourceVersion != obj.Metadata.ResourceVersion)
            {
                informer.Add(obj);
            }
        }

        var keys = current.Select(ObjectKey.Of).ToHashSet();
        foreach (var cached in informer.Indexer.List().Where(o => !keys.Contains(ObjectKey.Of(o))))
        {
            informer.Delete(cached);
        }
    }
}
