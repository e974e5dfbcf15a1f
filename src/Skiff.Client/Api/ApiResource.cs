using System.Text;

namespace Skiff.Client.Api;

/// <summary>One REST resource as a client addresses it: group, version, plural, kind and scope.</summary>
public sealed record ApiResource(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    public static readonly ApiResource Pods = new("", "v1", "pods", "Pod", true);
    public static readonly ApiResource Namespaces = new("", "v1", "namespaces", "Namespace", false);
    public static readonly ApiResource ServiceAccounts = new("", "v1", "serviceaccounts", "ServiceAccount", true);
    public static readonly ApiResource Services = new("", "v1", "services", "Service", true);
    public static readonly ApiResource Endpoints = new("", "v1", "endpoints", "Endpoints", true);
    public static readonly ApiResource Events = new("", "v1", "events", "Event", true);
    public static readonly ApiResource Nodes = new("", "v1", "nodes", "Node", false);
    public static readonly ApiResource ReplicationControllers = new("", "v1", "replicationcontrollers", "ReplicationController", true);
    public static readonly ApiResource ReplicaSets = new("apps", "v1", "replicasets", "ReplicaSet", true);
    public static readonly ApiResource Deployments = new("apps", "v1", "deployments", "Deployment", true);
    public static readonly ApiResource ControllerRevisions = new("apps", "v1", "controllerrevisions", "ControllerRevision", true);
    public static readonly ApiResource Jobs = new("batch", "v1", "jobs", "Job", true);
    public static readonly ApiResource EndpointSlices = new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true);
    public static readonly ApiResource Leases = new("coordination.k8s.io", "v1", "leases", "Lease", true);

    /// <summary>The apiVersion objects of this resource carry (<c>v1</c>, <c>apps/v1</c>).</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The resource as <c>plural.group</c>, the way Kubernetes names it in messages.</summary>
    public string GroupResource => Group.Length == 0 ? Plural : $"{Plural}.{Group}";

    /// <summary>The path of a collection, an object or an object's subresource, relative to the server root.</summary>
    public string Path(string? ns, string? name = null, string? subresource = null)
    {
        var sb = new StringBuilder(Group.Length == 0 ? "/api/v1" : $"/apis/{Group}/{Version}");
        if (Namespaced && !string.IsNullOrEmpty(ns))
        {
            sb.Append("/namespaces/").Append(Uri.EscapeDataString(ns));
        }

        sb.Append('/').Append(Plural);
        if (!string.IsNullOrEmpty(name))
        {
            sb.Append('/').Append(Uri.EscapeDataString(name));
            if (!string.IsNullOrEmpty(subresource))
            {
                sb.Append('/').Append(subresource);
            }
        }

        return sb.ToString();
    }
}
