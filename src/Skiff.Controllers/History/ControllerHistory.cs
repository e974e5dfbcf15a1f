using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.Client.Api;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.History;

/// <summary>
/// ControllerRevision helpers shared by the DaemonSet and StatefulSet controllers, after kube-controller-manager's
/// pkg/controller/history: a revision holds a strategic-merge patch that restores the owner's pod template
/// (what <c>kubectl rollout undo</c> applies), is named <c>&lt;owner&gt;-&lt;hash&gt;</c>, carries the hash in the
/// <c>controller-revision-hash</c> label, and a name clash with different data bumps the owner's collisionCount.
/// </summary>
internal static class ControllerHistory
{
    public const string RevisionHashLabel = "controller-revision-hash";

    private const string SafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    /// <summary>
    /// FNV-32a over the canonical JSON and the collision count, rendered with apimachinery's SafeEncodeString
    /// alphabet (so hashes never spell words and are valid in names and label values).
    /// </summary>
    public static string Hash(string canonicalJson, int? collisionCount)
    {
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes(canonicalJson))
        {
            hash = (hash ^ b) * 16777619u;
        }

        if (collisionCount is { } c)
        {
            foreach (var b in BitConverter.GetBytes(c))
            {
                hash = (hash ^ b) * 16777619u;
            }
        }

        var digits = hash.ToString(CultureInfo.InvariantCulture);
        var sb = new StringBuilder(digits.Length);
        foreach (var ch in digits)
        {
            sb.Append(SafeAlphabet[ch % SafeAlphabet.Length]);
        }

        return sb.ToString();
    }

    /// <summary>The <c>controller-revision-hash</c> label of a revision or pod, if it has one.</summary>
    public static string? HashLabel(V1ObjectMeta meta) =>
        meta.Labels is not null && meta.Labels.TryGetValue(RevisionHashLabel, out var h) ? h : null;

    /// <summary>HashControllerRevision: the hash of a revision's data.</summary>
    public static string HashData(V1ControllerRevision revision, int? collisionCount) =>
        Hash(revision.Data is null ? "null" : CanonicalJson.Of(revision.Data), collisionCount);

    /// <summary>ControllerRevisionName: the owner's name (cut to 223 characters) and the hash.</summary>
    public static string RevisionName(string prefix, string hash) =>
        (prefix.Length > 223 ? prefix[..223] : prefix) + "-" + hash;

    /// <summary>
    /// The patch a revision stores: <c>{"spec":{"template":{..., "$patch":"replace"}}}</c>, so applying it as a
    /// strategic merge patch replaces the whole template (the DaemonSet and StatefulSet controllers' getPatch).
    /// </summary>
    public static JsonElement TemplatePatch(V1PodTemplateSpec? template)
    {
        var node = JsonNode.Parse(KubernetesJson.Serialize(template ?? new V1PodTemplateSpec())) as JsonObject ?? new JsonObject();
        node["$patch"] = "replace";
        var patch = new JsonObject { ["spec"] = new JsonObject { ["template"] = node } };
        return JsonDocument.Parse(patch.ToJsonString()).RootElement.Clone();
    }

    /// <summary>The pod template a revision restores (the inverse of <see cref="TemplatePatch"/>).</summary>
    public static V1PodTemplateSpec TemplateOf(V1ControllerRevision revision)
    {
        if (revision.Data is null)
        {
            return new V1PodTemplateSpec();
        }

        var node = JsonNode.Parse(KubernetesJson.Serialize(revision.Data));
        if (node?["spec"]?["template"] is not JsonObject template)
        {
            return new V1PodTemplateSpec();
        }

        template.Remove("$patch");
        return KubernetesJson.Deserialize<V1PodTemplateSpec>(template.ToJsonString());
    }

    /// <summary>
    /// NewControllerRevision: labels are the template's (the hash is added on create), annotations the owner's (so
    /// <c>kubernetes.io/change-cause</c> shows in <c>kubectl rollout history</c>), owned by <paramref name="parent"/> as its controller.
    /// </summary>
    public static V1ControllerRevision NewRevision(
        IKubernetesObject<V1ObjectMeta> parent, string apiVersion, string kind, IDictionary<string, string>? templateLabels, JsonElement data, long revision)
    {
        return new V1ControllerRevision
        {
            ApiVersion = "apps/v1",
            Kind = "ControllerRevision",
            Metadata = new V1ObjectMeta
            {
                NamespaceProperty = parent.Metadata.NamespaceProperty,
                Labels = templateLabels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(templateLabels),
                Annotations = parent.Metadata.Annotations is { Count: > 0 } annotations ? new Dictionary<string, string>(annotations) : null,
                OwnerReferences = [Objects.ControllerRef(parent, apiVersion, kind)],
            },
            Data = data,
            Revision = revision,
        };
    }

    public static bool DataEqual(V1ControllerRevision a, V1ControllerRevision b) =>
        (a.Data is null ? "null" : CanonicalJson.Of(a.Data)) == (b.Data is null ? "null" : CanonicalJson.Of(b.Data));

    /// <summary>FindEqualRevisions: revisions whose data equals <paramref name="needle"/>'s (the hash label is checked first, as a shortcut).</summary>
    public static List<V1ControllerRevision> FindEqual(IEnumerable<V1ControllerRevision> revisions, V1ControllerRevision needle)
    {
        var hash = HashLabel(needle.Metadata);
        return revisions.Where(r =>
        {
            var other = HashLabel(r.Metadata);
            return (hash is null || other is null || hash == other) && DataEqual(r, needle);
        }).ToList();
    }

    /// <summary>SortControllerRevisions: by revision number, then creation time, then name.</summary>
    public static List<V1ControllerRevision> Sorted(IEnumerable<V1ControllerRevision> revisions) =>
        revisions.OrderBy(r => r.Revision)
            .ThenBy(r => r.Metadata.CreationTimestamp ?? DateTime.MinValue)
            .ThenBy(r => r.Metadata.Name, StringComparer.Ordinal)
            .ToList();

    /// <summary>One more than the highest revision number (1 for an empty history).</summary>
    public static long NextRevision(IEnumerable<V1ControllerRevision> revisions) =>
        revisions.Select(r => r.Revision ?? 0).DefaultIfEmpty(0).Max() + 1;

    /// <summary>
    /// realHistory.CreateControllerRevision: names the revision by <paramref name="hash"/> of the collision count and
    /// creates it; an existing revision of that name with the same data is returned as is, one with other data is
    /// a hash collision, so the count goes up and the name changes. Returns the revision and the final count.
    /// </summary>
    public static async Task<(V1ControllerRevision Revision, int? CollisionCount)> CreateAsync(
        IResourceClient<V1ControllerRevision> client,
        string parentName,
        V1ControllerRevision revision,
        Func<int?, string> hash,
        int? collisionCount,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var clone = Objects.Clone(revision);
            var h = hash(collisionCount);
            clone.Metadata.Name = RevisionName(parentName, h);
            clone.Metadata.Labels ??= new Dictionary<string, string>();
            clone.Metadata.Labels[RevisionHashLabel] = h;
            try
            {
                return (await client.CreateAsync(clone, cancellationToken).ConfigureAwait(false), collisionCount);
            }
            catch (ApiException ex) when (ex.IsAlreadyExists && attempt < 100)
            {
                var existing = await client.GetAsync(clone.Metadata.NamespaceProperty, clone.Metadata.Name, cancellationToken).ConfigureAwait(false);
                if (DataEqual(existing, clone))
                {
                    return (existing, collisionCount);
                }

                collisionCount = (collisionCount ?? 0) + 1;
            }
        }
    }

    /// <summary>
    /// Deletes up to <paramref name="toKill"/> of <paramref name="history"/>, oldest first, skipping revisions that
    /// are <paramref name="live"/> (used by a pod, or current): both controllers' truncateHistory.
    /// </summary>
    public static async Task TruncateAsync(IResourceClient<V1ControllerRevision> client, IEnumerable<V1ControllerRevision> history, Func<V1ControllerRevision, bool> live, int toKill, CancellationToken cancellationToken)
    {
        foreach (var revision in Sorted(history))
        {
            if (toKill <= 0)
            {
                return;
            }

            if (live(revision))
            {
                continue;
            }

            try
            {
                await client.DeleteAsync(revision.Metadata.NamespaceProperty, revision.Metadata.Name, new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = revision.Metadata.Uid } }, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.IsNotFound || ex.IsConflict)
            {
            }

            toKill--;
        }
    }

    /// <summary>Replaces a revision's number (a rollback to an old template makes that revision the newest again).</summary>
    public static async Task<V1ControllerRevision> UpdateRevisionNumberAsync(IResourceClient<V1ControllerRevision> client, V1ControllerRevision revision, long number, CancellationToken cancellationToken)
    {
        if (revision.Revision == number)
        {
            return revision;
        }

        var patch = JsonSerializer.Serialize(new { revision = number });
        return await client.PatchAsync(revision.Metadata.NamespaceProperty, revision.Metadata.Name, patch, cancellationToken).ConfigureAwait(false);
    }
}
