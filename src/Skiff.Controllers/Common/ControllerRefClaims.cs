using k8s;
using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Controllers.Common;

/// <summary>
/// kube-controller-manager's BaseControllerRefManager.ClaimObject for any owned kind (pods, ControllerRevisions):
/// keep what the owner controls and still selects, adopt matching orphans unless the owner is being deleted,
/// and release what it controls but no longer selects.
/// </summary>
internal static class ControllerRefClaims
{
    public static async Task<List<T>> ClaimAsync<T>(
        IResourceClient<T> client,
        IKubernetesObject<V1ObjectMeta> owner,
        string apiVersion,
        string kind,
        V1LabelSelector? selector,
        IEnumerable<T> candidates,
        CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var claimed = new List<T>();
        var uid = owner.Metadata.Uid;
        var ownerDeleting = owner.Metadata.DeletionTimestamp is not null;
        foreach (var obj in candidates)
        {
            var controllerRef = Objects.ControllerOf(obj.Metadata);
            var matches = Selectors.Matches(selector, obj.Metadata.Labels);
            if (controllerRef is not null)
            {
                if (controllerRef.Uid != uid)
                {
                    continue;
                }

                if (matches)
                {
                    claimed.Add(obj);
                }
                else if (!ownerDeleting)
                {
                    var rest = obj.Metadata.OwnerReferences?.Where(r => r.Uid != uid).ToList() ?? [];
                    await TryPatchAsync(client, obj, rest, cancellationToken).ConfigureAwait(false);
                }

                continue;
            }

            if (!matches || ownerDeleting || obj.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            var refs = obj.Metadata.OwnerReferences?.ToList() ?? [];
            refs.Add(Objects.ControllerRef(owner, apiVersion, kind));
            if (await TryPatchAsync(client, obj, refs, cancellationToken).ConfigureAwait(false) is { } adopted)
            {
                claimed.Add(adopted);
            }
        }

        return claimed;
    }

    private static async Task<T?> TryPatchAsync<T>(IResourceClient<T> client, T obj, IReadOnlyList<V1OwnerReference> refs, CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        try
        {
            return await client.PatchAsync(obj.Metadata.NamespaceProperty, obj.Metadata.Name, OwnerPatches.OwnerReferences(obj.Metadata, refs), cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict || ex.IsInvalid)
        {
            // Gone or changed under us: the next sync sees its new state.
            return null;
        }
    }
}
