using k8s;
using k8s.Models;
using Skiff.Api.Printing;

namespace Skiff.ApiServer.Registry;

/// <summary>The NAME and AGE columns kube-apiserver prints for resources without their own printer.</summary>
internal sealed class DefaultTableConvertor<T> : TableConvertor<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    public static readonly DefaultTableConvertor<T> Instance = new();

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        new("Name", "string", "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names", 0, "name"),
        new("Created At", "date", "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC."),
    ];

    public override object?[] Cells(T obj, DateTime now) =>
        [obj.Metadata.Name, obj.Metadata.CreationTimestamp is { } t ? t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ") : null];
}
