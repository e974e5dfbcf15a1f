using Skiff.Api.Resources;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Admission;

/// <summary>
/// The NamespaceLifecycle admission rules: no new objects in a namespace that does not exist or is
/// terminating, and the system namespaces cannot be deleted. Reads the namespaces watch cache.
/// </summary>
internal sealed class NamespaceLifecycle
{
    /// <summary>Namespaces Kubernetes refuses to delete.</summary>
    public static readonly IReadOnlySet<string> Immortal = new HashSet<string>(StringComparer.Ordinal) { "default", "kube-system", "kube-public" };

    private WatchCache? _namespaces;

    /// <summary>Binds the namespaces cache once the registry has built it.</summary>
    public void Bind(WatchCache namespaces) => _namespaces = namespaces;

    /// <summary>Whether the namespaces cache holds <paramref name="ns"/> (true when no cache is bound yet, as <see cref="CheckCreate"/> then admits).</summary>
    public bool IsCached(string ns) => _namespaces is null || _namespaces.Get(BuiltInResources.Resources[0].Key(null, ns)) is not null;

    public void CheckCreate(string ns)
    {
        if (_namespaces is null)
        {
            return;
        }

        var o = _namespaces.Get(BuiltInResources.Resources[0].Key(null, ns));
        if (o is null)
        {
            throw new ApiException(404, "NotFound", $"namespaces \"{ns}\" not found",
                new k8s.Models.V1StatusDetails { Name = ns, Kind = "namespaces" });
        }

        if (o.FieldValue("status.phase") == "Terminating")
        {
            throw new ApiException(403, "Forbidden",
                $"unable to create new content in namespace {ns} because it is being terminated",
                new k8s.Models.V1StatusDetails
                {
                    Name = ns,
                    Kind = "namespaces",
                    Causes = [new k8s.Models.V1StatusCause { Reason = "NamespaceTerminating", Message = $"namespace {ns} is being terminated", Field = "metadata.namespace" }],
                });
        }
    }

    public static void CheckDelete(ResourceInfo info, string name)
    {
        if (info.Group.Length == 0 && info.Plural == "namespaces" && Immortal.Contains(name))
        {
            throw ApiException.Forbidden($"namespaces \"{name}\" is forbidden: this namespace may not be deleted");
        }
    }
}
