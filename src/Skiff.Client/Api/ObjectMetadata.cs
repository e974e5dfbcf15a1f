using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Skiff.Client.Api;

/// <summary>
/// Only the type and object metadata of any object (meta.k8s.io PartialObjectMetadata): what the garbage
/// collector and the namespace controller need from resources whose types they do not know.
/// </summary>
public sealed class ObjectMetadata : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();
}
