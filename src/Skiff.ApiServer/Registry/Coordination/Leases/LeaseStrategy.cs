using k8s.Models;
using Skiff.Api.Printing;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Coordination.Leases;

/// <summary>coordination.k8s.io/v1 Leases (pkg/registry/coordination/lease, ValidateLeaseSpec).</summary>
internal sealed class LeaseStrategy : ResourceStrategy<V1Lease>
{
    public override TableConvertor<V1Lease> Table { get; } = new LeaseTable();

    public override void Validate(V1Lease obj, FieldErrors errors)
    {
        var spec = obj.Spec ?? new V1LeaseSpec();
        if (spec.LeaseDurationSeconds is { } d && d <= 0)
        {
            errors.Invalid("spec.leaseDurationSeconds", d, "must be greater than 0");
        }

        FieldRules.NonNegative(spec.LeaseTransitions, "spec.leaseTransitions", errors);
        if (spec.Strategy is { } strategy && strategy != "OldestEmulationVersion")
        {
            errors.NotSupported("spec.strategy", strategy, ["OldestEmulationVersion"]);
        }
    }

    /// <summary>kube-apiserver's lease printer: NAME HOLDER AGE.</summary>
    private sealed class LeaseTable : TableConvertor<V1Lease>
    {
        public override IReadOnlyList<TableColumn> Columns { get; } =
        [
            Shared.Columns.Name,
            new("Holder", "string", "holderIdentity contains the identity of the holder of a current lease. If Coordinated Leader Election is used, the holder identity must be equal to the elected LeaseCandidate.metadata.name field."),
            Shared.Columns.Age,
        ];

        public override object?[] Cells(V1Lease obj, DateTime now) =>
            [obj.Metadata.Name, obj.Spec?.HolderIdentity ?? "", HumanDuration.Since(obj.Metadata.CreationTimestamp, now)];
    }
}
