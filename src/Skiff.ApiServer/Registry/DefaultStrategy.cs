using k8s;
using k8s.Models;

namespace Skiff.ApiServer.Registry;

/// <summary>The strategy of resources with no rules beyond the generic metadata ones.</summary>
internal sealed class DefaultStrategy<T> : ResourceStrategy<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
}
