using System.Text.Json.Serialization;
using k8s.Models;

namespace Skiff.Client.Api;

/// <summary>Any Kubernetes list body: list metadata (resourceVersion, continue) and items.</summary>
public sealed class ObjectList<T>
{
    [JsonPropertyName("metadata")]
    public V1ListMeta? Metadata { get; set; }

    [JsonPropertyName("items")]
    public List<T>? Items { get; set; }
}
