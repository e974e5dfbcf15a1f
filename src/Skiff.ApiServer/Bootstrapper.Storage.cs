using k8s.Models;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry.Storage.StorageClasses;

namespace Skiff.ApiServer;

/// <summary>The default StorageClass, created when missing (the addon manager's EnsureExists).</summary>
internal sealed partial class Bootstrapper
{
    private async Task EnsureDefaultStorageClassAsync(CancellationToken ct)
    {
        var storageClasses = registry.Store<V1StorageClass>();
        if (storageClasses.Cache.Get(storageClasses.Key(null, LocalPathStorageClass.Name)) is not null)
        {
            // Whatever the user made of it (another default, a changed annotation) stays.
            return;
        }

        try
        {
            await storageClasses.CreateAsync(null, LocalPathStorageClass.Create(), false, ct).ConfigureAwait(false);
        }
        catch (ApiException e) when (e.Code == 409)
        {
            // Another server created it first.
        }
    }
}
