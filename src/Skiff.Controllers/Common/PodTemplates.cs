using k8s.Models;

namespace Skiff.Controllers.Common;

/// <summary>Pods from a template, as kube-controller-manager's RealPodControl.CreatePods builds them.</summary>
internal static class PodTemplates
{
    public static V1Pod NewPod(V1PodTemplateSpec template, string ns, string ownerName, V1OwnerReference controllerRef)
    {
        var copy = Objects.Clone(template);
        var meta = copy.Metadata ?? new V1ObjectMeta();
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                // The API server appends a random suffix; the name stays within the 63-character limit.
                GenerateName = GeneratePrefix(ownerName),
                NamespaceProperty = ns,
                Labels = meta.Labels is null ? null : new Dictionary<string, string>(meta.Labels),
                Annotations = meta.Annotations is null ? null : new Dictionary<string, string>(meta.Annotations),
                Finalizers = meta.Finalizers,
                OwnerReferences = [controllerRef],
            },
            Spec = copy.Spec,
        };
    }

    /// <summary>apiserver's names.SimpleNameGenerator limit: a prefix of at most 58 characters, ending in '-'.</summary>
    public static string GeneratePrefix(string ownerName)
    {
        var prefix = ownerName + "-";
        return prefix.Length > 58 ? prefix[..58] : prefix;
    }
}
