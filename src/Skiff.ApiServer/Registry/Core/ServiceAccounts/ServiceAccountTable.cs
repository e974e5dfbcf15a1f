using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Core.ServiceAccounts;

/// <summary>
/// The service account columns of the v1.33 printers (printServiceAccount): NAME SECRETS AGE. The
/// SECRETS count was dropped only after v1.33.
/// </summary>
internal sealed class ServiceAccountTable : TableConvertor<V1ServiceAccount>
{
    public static readonly ServiceAccountTable Instance = new();

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Secrets", "string", "Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use. Pods are only limited to this list if this service account has a \"kubernetes.io/enforce-mountable-secrets\" annotation set to \"true\". The \"kubernetes.io/enforce-mountable-secrets\" annotation is deprecated since v1.32. Prefer separate namespaces to isolate access to mounted secrets. This field should not be used to find auto-generated service account token secrets for use outside of pods. Instead, tokens can be requested directly using the TokenRequest API, or service account token secrets can be manually created. More info: https://kubernetes.io/docs/concepts/configuration/secret"),
        Shared.Columns.Age,
    ];

    public override object?[] Cells(V1ServiceAccount obj, DateTime now) =>
        [obj.Metadata.Name, (long)(obj.Secrets?.Count ?? 0), HumanDuration.Since(obj.Metadata.CreationTimestamp, now)];
}
