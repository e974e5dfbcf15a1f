using k8s.Models;

namespace Skiff.Kubelet.Env;

/// <summary>Everything <see cref="EnvResolver"/> needs to build one container's environment.</summary>
internal sealed record EnvRequest
{
    /// <summary>The pod (its metadata, spec and, unless overridden below, its status addresses).</summary>
    public required V1Pod Pod { get; init; }

    /// <summary>The container (app, init or ephemeral) whose env and envFrom are resolved.</summary>
    public required V1Container Container { get; init; }

    /// <summary>The pod's IPs (the sandbox's addresses); null takes them from the pod's status.</summary>
    public IReadOnlyList<string>? PodIPs { get; init; }

    /// <summary>The node's IPs; null takes them from the pod's status.</summary>
    public IReadOnlyList<string>? HostIPs { get; init; }

    /// <summary>The node's allocatable resources: the value of a limits.* resourceFieldRef the container does not set.</summary>
    public IDictionary<string, ResourceQuantity>? NodeAllocatable { get; init; }

    /// <summary>
    /// Service environment variables (from <see cref="ServiceEnvironment.Build"/>): usable in $(VAR) references and
    /// appended after the container's own variables unless it defines the same name.
    /// </summary>
    public IReadOnlyDictionary<string, string>? ServiceEnv { get; init; }

    /// <summary>
    /// Accept any printable ASCII but '=' as an envFrom variable name (RelaxedEnvironmentVariableValidation, on by
    /// default since v1.32); false applies the C-identifier rule <c>[A-Za-z_][A-Za-z0-9_]*</c>.
    /// </summary>
    public bool RelaxedNames { get; init; } = true;
}
