using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Controllers.Common;
using Skiff.Controllers.LocalPath;
using Skiff.Controllers.PersistentVolume;
using Skiff.Controllers.VolumeProtection;

namespace Skiff.Controllers.Manager;

/// <summary>The storage controllers: the volume binder, the local-path provisioner and the pvc/pv-protection controllers.</summary>
public sealed partial class ControllerManager
{
    private IEnumerable<(IController Controller, int Workers)> VolumeControllers(InformerFactory factory, Func<string, EventRecorder> recorder, Func<string, ILogger> logger)
    {
        var claims = factory.For<V1PersistentVolumeClaim>(VolumeResources.PersistentVolumeClaims);
        var volumes = factory.For<V1PersistentVolume>(VolumeResources.PersistentVolumes);
        var classes = factory.For<V1StorageClass>(VolumeResources.StorageClasses);
        yield return (new PersistentVolumeController(claims, volumes, classes, Client("persistent-volume-binder").For<V1PersistentVolumeClaim>(VolumeResources.PersistentVolumeClaims),
            Client("persistent-volume-binder").For<V1PersistentVolume>(VolumeResources.PersistentVolumes), recorder("persistentvolume-controller"), timeProvider, logger("PersistentVolume")), 1);
        if (options.LocalPathStorageDirectory is { } storage)
        {
            var localPath = new LocalPathOptions { StorageDirectory = storage, NodeName = options.NodeName };
            yield return (new LocalPathProvisioner(claims, volumes, classes, Client(LocalPathAccount).For<V1PersistentVolume>(VolumeResources.PersistentVolumes), recorder(LocalPathProvisioner.ProvisionerName + "_" + options.NodeName), localPath, timeProvider, logger("LocalPath")), 1);
        }

        yield return (new PvcProtectionController(claims, factory.For<V1Pod>(ApiResource.Pods), Client("pvc-protection-controller").For<V1PersistentVolumeClaim>(VolumeResources.PersistentVolumeClaims),
            Client("pvc-protection-controller").For<V1Pod>(ApiResource.Pods), timeProvider, logger("PvcProtection")), options.PvcProtectionWorkers);
        yield return (new PvProtectionController(volumes, Client("pv-protection-controller").For<V1PersistentVolume>(VolumeResources.PersistentVolumes), timeProvider, logger("PvProtection")), 1);
    }
}
