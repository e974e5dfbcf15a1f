using k8s;
using k8s.Models;
using Skiff.Api.Printing;

namespace Skiff.ApiServer.Registry.AdmissionRegistration.WebhookConfigurations;

/// <summary>kube-apiserver's webhook configuration printer: NAME WEBHOOKS AGE.</summary>
internal sealed class WebhookConfigurationTable<T>(Func<T, int> count) : TableConvertor<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Webhooks", "integer", "Webhooks indicates the number of webhooks registered in this configuration"),
        Shared.Columns.Age,
    ];

    public override object?[] Cells(T obj, DateTime now) => [obj.Metadata.Name, count(obj), HumanDuration.Since(obj.Metadata.CreationTimestamp, now)];
}
