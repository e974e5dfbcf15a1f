using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Batch.Jobs;

/// <summary>
/// kube-apiserver's job printer: NAME STATUS COMPLETIONS DURATION AGE, wide CONTAINERS IMAGES SELECTOR.
/// </summary>
internal sealed class JobTable : TableConvertor<V1Job>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Status", "string", "Status of the job."),
        new("Completions", "string", "The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs."),
        new("Duration", "string", "Time required to complete the job."),
        Shared.Columns.Age,
        Shared.Columns.Containers,
        Shared.Columns.Images,
        new("Selector", "string", "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", 1),
    ];

    public override object?[] Cells(V1Job obj, DateTime now)
    {
        var spec = obj.Spec ?? new V1JobSpec();
        var status = obj.Status ?? new V1JobStatus();
        var succeeded = status.Succeeded ?? 0;
        string completions;
        if (spec.Completions is { } c)
        {
            completions = $"{succeeded}/{c}";
        }
        else
        {
            var parallelism = spec.Parallelism ?? 0;
            completions = parallelism > 1 ? $"{succeeded}/1 of {parallelism}" : $"{succeeded}/1";
        }

        var duration = status.StartTime switch
        {
            null => "",
            { } start when status.CompletionTime is { } end => HumanDuration.Format(end.ToUniversalTime() - start.ToUniversalTime()),
            { } start => HumanDuration.Since(start, now),
        };

        var (names, images) = Shared.Columns.ContainerCells(spec.Template?.Spec?.Containers);
        return
        [
            obj.Metadata.Name,
            Status(obj),
            completions,
            duration,
            HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
            names,
            images,
            LabelSelectors.Format(spec.Selector),
        ];
    }

    /// <summary>The STATUS cell: Complete, Failed, Terminating, Suspended, FailureTarget or Running, in that precedence.</summary>
    internal static string Status(V1Job obj)
    {
        var conditions = obj.Status?.Conditions ?? [];
        bool Has(string type) => conditions.FirstOrDefault(c => c.Type == type) is { Status: "True" };
        if (Has("Complete"))
        {
            return "Complete";
        }

        if (Has("Failed"))
        {
            return "Failed";
        }

        if (obj.Metadata.DeletionTimestamp is not null)
        {
            return "Terminating";
        }

        if (Has("Suspended"))
        {
            return "Suspended";
        }

        return Has("FailureTarget") ? "FailureTarget" : "Running";
    }
}
