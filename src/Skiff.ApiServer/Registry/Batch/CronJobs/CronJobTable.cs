using k8s.Models;
using Skiff.Api.Printing;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Registry.Batch.CronJobs;

/// <summary>
/// kube-apiserver's cronjob printer: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE,
/// wide CONTAINERS IMAGES SELECTOR.
/// </summary>
internal sealed class CronJobTable : TableConvertor<V1CronJob>
{
    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Shared.Columns.Name,
        new("Schedule", "string", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
        new("Timezone", "string", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones"),
        new("Suspend", "boolean", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false."),
        new("Active", "integer", "A list of pointers to currently running jobs."),
        new("Last Schedule", "string", "Information when was the last time the job was successfully scheduled."),
        Shared.Columns.Age,
        Shared.Columns.Containers,
        Shared.Columns.Images,
        new("Selector", "string", "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", 1),
    ];

    public override object?[] Cells(V1CronJob obj, DateTime now)
    {
        var spec = obj.Spec ?? new V1CronJobSpec();
        var jobSpec = spec.JobTemplate?.Spec;
        var (names, images) = Shared.Columns.ContainerCells(jobSpec?.Template?.Spec?.Containers);
        return
        [
            obj.Metadata.Name,
            spec.Schedule ?? "",
            spec.TimeZone ?? "<none>",
            spec.Suspend is { } s ? (s ? "True" : "False") : "<unset>",
            (long)(obj.Status?.Active?.Count ?? 0),
            obj.Status?.LastScheduleTime is { } last ? HumanDuration.Since(last, now) : "<none>",
            HumanDuration.Since(obj.Metadata.CreationTimestamp, now),
            names,
            images,
            LabelSelectors.Format(jobSpec?.Selector),
        ];
    }
}
