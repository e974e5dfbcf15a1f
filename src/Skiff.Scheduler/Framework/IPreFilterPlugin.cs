using k8s.Models;

namespace Skiff.Scheduler.Framework;

/// <summary>Runs once per pod before Filter; may store state, reject the pod outright, or return Skip.</summary>
internal interface IPreFilterPlugin : ISchedulerPlugin
{
    Status PreFilter(CycleState state, PodInfo pod, Snapshot snapshot);
}
