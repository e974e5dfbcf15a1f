using k8s.Models;
using Skiff.Api.Resources;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Storage;

namespace Skiff.ApiServer.Admission;

/// <summary>
/// The Priority admission plugin: a new pod's <c>spec.priority</c> and <c>spec.preemptionPolicy</c> come from its
/// PriorityClass (or the cluster's global default class, or 0), and a pod may not name a class that does not exist
/// or state a priority that disagrees with its class. Reads the priorityclasses watch cache.
/// </summary>
internal sealed class PriorityAdmission(RegistryAccess access) : IMutatingAdmissionPlugin
{
    /// <summary>The PriorityClasses every cluster has, created at start like kube-apiserver's bootstrap controller does.</summary>
    public static readonly IReadOnlyList<V1PriorityClass> SystemClasses =
    [
        new() { Metadata = new V1ObjectMeta { Name = "system-node-critical" }, Value = 2_000_001_000, Description = "Used for system critical pods that must not be moved from their current node." },
        new() { Metadata = new V1ObjectMeta { Name = "system-cluster-critical" }, Value = 2_000_000_000, Description = "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary." },
    ];

    private static readonly ResourceInfo PriorityClasses = BuiltInResources.Resources.Single(r => r.Type == typeof(V1PriorityClass));
    public string Name => "Priority";

    public bool Handles(AdmissionAttributes attributes) =>
        attributes.Operation == AdmissionOperation.Create && attributes.Subresource is null && attributes.Object is V1Pod;

    public ValueTask AdmitAsync(AdmissionAttributes attributes, CancellationToken ct)
    {
        AdmitPod((V1Pod)attributes.Object!);
        return ValueTask.CompletedTask;
    }

    /// <summary>Resolves the priority of a pod being created; throws 403 Forbidden for an unknown class or a conflicting priority.</summary>
    public void AdmitPod(V1Pod pod)
    {
        var classes = access.Store<V1PriorityClass>().Cache;
        var spec = pod.Spec ??= new V1PodSpec();
        V1PriorityClass? pc;
        if (!string.IsNullOrEmpty(spec.PriorityClassName))
        {
            pc = classes.Get(PriorityClasses.Key(null, spec.PriorityClassName)) is { } o ? ApiJson.Deserialize<V1PriorityClass>(o.Json) : null;
            if (pc is null)
            {
                throw Forbidden(pod, $"no PriorityClass with name {spec.PriorityClassName} was found");
            }
        }
        else
        {
            // The global default class, if one is marked; the lowest-valued one wins if several are (as Kubernetes picks).
            pc = classes.Snapshot().Items.Values
                .Select(o => ApiJson.Deserialize<V1PriorityClass>(o.Json))
                .Where(c => c.GlobalDefault == true)
                .OrderBy(c => c.Value)
                .FirstOrDefault();
            if (pc is not null)
            {
                spec.PriorityClassName = pc.Metadata.Name;
            }
        }

        var priority = pc?.Value ?? 0;
        if (spec.Priority is { } given && given != priority)
        {
            throw Forbidden(pod, $"the integer value of priority ({given}) must not be provided in pod spec; priority admission controller computed {priority} from the given PriorityClass name");
        }

        spec.Priority = priority;
        spec.PreemptionPolicy ??= pc?.PreemptionPolicy ?? "PreemptLowerPriority";
    }

    private static ApiException Forbidden(V1Pod pod, string why) =>
        new(403, "Forbidden", $"pods \"{pod.Metadata?.Name ?? pod.Metadata?.GenerateName}\" is forbidden: {why}",
            new V1StatusDetails { Name = pod.Metadata?.Name, Kind = "pods" });
}
