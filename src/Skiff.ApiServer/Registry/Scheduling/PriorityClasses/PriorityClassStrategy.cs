using k8s.Models;
using Skiff.Api.Printing;
using Skiff.Api.Validation;

namespace Skiff.ApiServer.Registry.Scheduling.PriorityClasses;

/// <summary>
/// scheduling.k8s.io/v1 PriorityClasses (pkg/registry/scheduling/priorityclass, ValidatePriorityClass): user values
/// up to one billion, the <c>system-</c> prefix reserved for the two built-in classes, value and preemption
/// policy immutable. The single-global-default rule is enforced at admission, which sees other objects.
/// </summary>
internal sealed class PriorityClassStrategy : ResourceStrategy<V1PriorityClass>
{
    public const int HighestUserDefinablePriority = 1_000_000_000;
    public const string SystemPrefix = "system-";

    private static readonly string[] PreemptionPolicies = ["Never", "PreemptLowerPriority"];

    private static readonly Dictionary<string, int> SystemClasses = new(StringComparer.Ordinal)
    {
        ["system-node-critical"] = 2_000_001_000,
        ["system-cluster-critical"] = 2_000_000_000,
    };

    public override TableConvertor<V1PriorityClass> Table { get; } = new PriorityClassTable();

    /// <summary>SetDefaults_PriorityClass: PreemptLowerPriority.</summary>
    public override void Default(V1PriorityClass obj)
    {
        if (string.IsNullOrEmpty(obj.PreemptionPolicy))
        {
            obj.PreemptionPolicy = "PreemptLowerPriority";
        }
    }

    public override void Validate(V1PriorityClass obj, FieldErrors errors)
    {
        var name = obj.Metadata?.Name ?? "";
        var value = obj.Value ?? 0;
        if (name.StartsWith(SystemPrefix, StringComparison.Ordinal))
        {
            string? problem = null;
            if (!SystemClasses.TryGetValue(name, out var expected))
            {
                problem = $"{name} is not a known system priority class";
            }
            else if (value != expected)
            {
                problem = $"value of {name} PriorityClass must be {expected}";
            }
            else if (obj.GlobalDefault == true)
            {
                problem = $"globalDefault of {name} PriorityClass must be false";
            }

            if (problem is not null)
            {
                errors.Forbidden("metadata.name", $"priority class names with '{SystemPrefix}' prefix are reserved for system use only. error: {problem}");
            }
        }
        else if (value > HighestUserDefinablePriority)
        {
            errors.Forbidden("value", $"maximum allowed value of a user defined priority is {HighestUserDefinablePriority}");
        }

        if (obj.PreemptionPolicy is { } policy && !PreemptionPolicies.Contains(policy))
        {
            errors.NotSupported("preemptionPolicy", policy, PreemptionPolicies);
        }
    }

    public override void ValidateUpdate(V1PriorityClass obj, V1PriorityClass old, FieldErrors errors)
    {
        if (obj.Value != old.Value)
        {
            errors.Forbidden("value", "may not be changed in an update.");
        }

        if (obj.PreemptionPolicy != old.PreemptionPolicy)
        {
            errors.Immutable("preemptionPolicy", obj.PreemptionPolicy ?? "");
        }
    }

    /// <summary>kube-apiserver's priorityclass printer: NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY.</summary>
    private sealed class PriorityClassTable : TableConvertor<V1PriorityClass>
    {
        public override IReadOnlyList<TableColumn> Columns { get; } =
        [
            Shared.Columns.Name,
            new("Value", "integer", "value represents the integer value of this priority class. This is the actual priority that pods receive when they have the name of this class in their pod spec."),
            new("Global-Default", "boolean", "globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class. Only one PriorityClass can be marked as `globalDefault`. However, if more than one PriorityClasses exists with their `globalDefault` field set to true, the smallest value of such global default PriorityClasses will be used as the default priority."),
            Shared.Columns.Age,
            new("PreemptionPolicy", "string", "preemptionPolicy is the Policy for preempting pods with lower priority. One of Never, PreemptLowerPriority. Defaults to PreemptLowerPriority if unset."),
        ];

        public override object?[] Cells(V1PriorityClass obj, DateTime now) =>
        [
            obj.Metadata.Name,
            (long)(obj.Value ?? 0),
            obj.GlobalDefault ?? false,
            HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
            obj.PreemptionPolicy ?? "",
        ];
    }
}
