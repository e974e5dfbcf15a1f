using System.Reflection;
using k8s;
using k8s.Models;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// The scale subresource of workload types (autoscaling/v1 Scale): spec.replicas, status.replicas and the
/// selector as a string, read from and written to the object's spec/status through reflection found once.
/// </summary>
internal static class ScaleAdapter<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly PropertyInfo? Spec = typeof(T).GetProperty("Spec");
    private static readonly PropertyInfo? Status = typeof(T).GetProperty("Status");
    private static readonly PropertyInfo? SpecReplicas = Spec?.PropertyType.GetProperty("Replicas");
    private static readonly PropertyInfo? StatusReplicas = Status?.PropertyType.GetProperty("Replicas");
    private static readonly PropertyInfo? SpecSelector = Spec?.PropertyType.GetProperty("Selector");

    public static bool Supported => SpecReplicas is not null;

    public static V1Scale ToScale(T obj)
    {
        var spec = Spec?.GetValue(obj);
        var status = Status?.GetValue(obj);
        var replicas = spec is null ? null : (int?)SpecReplicas!.GetValue(spec);
        var current = status is null || StatusReplicas is null ? 0 : Convert.ToInt32(StatusReplicas.GetValue(status) ?? 0);
        var selector = spec is null || SpecSelector is null ? null : SpecSelector.GetValue(spec) switch
        {
            V1LabelSelector ls => LabelSelectorText.Format(ls),
            IDictionary<string, string> map => string.Join(",", map.Select(kv => $"{kv.Key}={kv.Value}")),
            _ => null,
        };

        return new V1Scale
        {
            ApiVersion = "autoscaling/v1",
            Kind = "Scale",
            Metadata = new V1ObjectMeta
            {
                Name = obj.Metadata.Name,
                NamespaceProperty = obj.Metadata.NamespaceProperty,
                Uid = obj.Metadata.Uid,
                ResourceVersion = obj.Metadata.ResourceVersion,
                CreationTimestamp = obj.Metadata.CreationTimestamp,
            },
            Spec = new V1ScaleSpec { Replicas = replicas ?? 0 },
            Status = new V1ScaleStatus { Replicas = current, Selector = selector },
        };
    }

    public static void SetReplicas(T obj, int replicas)
    {
        var spec = Spec!.GetValue(obj) ?? Activator.CreateInstance(Spec.PropertyType)!;
        SpecReplicas!.SetValue(spec, replicas);
        Spec.SetValue(obj, spec);
    }
}
