namespace Skiff.Scheduler.Framework;

/// <summary>The base of every plugin (kube-scheduler's framework.Plugin); a plugin implements only the extension points it needs.</summary>
internal interface ISchedulerPlugin
{
    /// <summary>The name configuration refers to (KubeSchedulerConfiguration plugin names).</summary>
    string Name { get; }
}
