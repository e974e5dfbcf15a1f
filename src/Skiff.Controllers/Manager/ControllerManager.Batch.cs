using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Controllers.Common;
using Skiff.Controllers.CronJob;
using Skiff.Controllers.Job;

namespace Skiff.Controllers.Manager;

/// <summary>The batch controllers: Job and CronJob.</summary>
public sealed partial class ControllerManager
{
    /// <summary>kube-controller-manager's --concurrent-job-syncs default.</summary>
    private const int JobWorkers = 5;

    /// <summary>kube-controller-manager's --concurrent-cron-job-syncs default.</summary>
    private const int CronJobWorkers = 5;

    private IEnumerable<(IController Controller, int Workers)> BatchControllers(InformerFactory factory, Func<string, EventRecorder> recorder, Func<string, ILogger> logger)
    {
        var jobs = factory.For<V1Job>(ApiResource.Jobs);
        yield return (new JobController(jobs, factory.For<V1Pod>(ApiResource.Pods), Client("job-controller").For<V1Job>(ApiResource.Jobs), Client("job-controller").For<V1Pod>(ApiResource.Pods), recorder("job-controller"), timeProvider, logger("Job")), JobWorkers);
        yield return (new CronJobController(factory.For<V1CronJob>(CronJobResources.CronJobs), jobs, Client("cronjob-controller").For<V1CronJob>(CronJobResources.CronJobs), Client("cronjob-controller").For<V1Job>(ApiResource.Jobs), recorder("cronjob-controller"), timeProvider, logger("CronJob")), CronJobWorkers);
    }
}
