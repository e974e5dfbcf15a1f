namespace Skiff.Bench.Scheduler;

/// <summary>The pod shapes of kube-scheduler's scheduler_perf test cases this benchmark mirrors.</summary>
internal enum Workload
{
    /// <summary>SchedulingBasic: pods with small requests, no constraints.</summary>
    Basic,

    /// <summary>SchedulingPodAntiAffinity: required anti-affinity on the hostname among pods of one label.</summary>
    AntiAffinity,

    /// <summary>Topology spread over zones, maxSkew 1, DoNotSchedule.</summary>
    Spread,
}
