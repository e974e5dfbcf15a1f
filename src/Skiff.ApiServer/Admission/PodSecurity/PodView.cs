using k8s.Models;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>
/// What the checks read of a pod or a pod template: its annotations, spec, and every container (init, regular and
/// ephemeral, in that order, as pod-security-admission's visitor walks them) with its security context and ports.
/// </summary>
internal sealed class PodView
{
    public PodView(V1ObjectMeta? metadata, V1PodSpec spec)
    {
        Annotations = metadata?.Annotations ?? new Dictionary<string, string>();
        Spec = spec;
        var containers = new List<ContainerView>();
        foreach (var c in spec.InitContainers ?? [])
        {
            containers.Add(new ContainerView(c.Name, c.SecurityContext, c.Ports));
        }

        foreach (var c in spec.Containers ?? [])
        {
            containers.Add(new ContainerView(c.Name, c.SecurityContext, c.Ports));
        }

        foreach (var c in spec.EphemeralContainers ?? [])
        {
            containers.Add(new ContainerView(c.Name, c.SecurityContext, c.Ports));
        }

        Containers = containers;
    }

    public IDictionary<string, string> Annotations { get; }

    public V1PodSpec Spec { get; }

    public V1PodSecurityContext? PodContext => Spec.SecurityContext;

    public IReadOnlyList<ContainerView> Containers { get; }
}

/// <summary>A container of any kind, reduced to what the checks read.</summary>
internal sealed record ContainerView(string Name, V1SecurityContext? Context, IList<V1ContainerPort>? Ports);
