using k8s.Models;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins.DefaultPreemption;
using Skiff.Scheduler.Plugins.NodeResources;

namespace Skiff.Scheduler.Tests.Plugins;

/// <summary>DefaultPreemption and PodDisruptionBudgets, as kube-scheduler counts violations.</summary>
public sealed class PreemptionBudgetTests
{
    private static V1PodDisruptionBudget Budget(string app, int allowed, string ns = "default", params string[] disrupted) => new()
    {
        Metadata = new V1ObjectMeta { Name = "pdb-" + app, NamespaceProperty = ns },
        Spec = new V1PodDisruptionBudgetSpec { Selector = app.Length == 0 ? new V1LabelSelector() : Make.Selector("app", app) },
        Status = new V1PodDisruptionBudgetStatus { DisruptionsAllowed = allowed, DisruptedPods = disrupted.ToDictionary(d => d, _ => (DateTime?)DateTime.UtcNow) },
    };

    private static PodInfo Pod(string name, string app, int priority = 0, string cpu = "1") =>
        new(Make.Pod(name, cpu: cpu, priority: priority, labels: new() { ["app"] = app }));

    private static (DefaultPreemptionPlugin Plugin, SchedulerListers Listers) Build()
    {
        SchedulerProfile? profile = null;
        var listers = new SchedulerListers();
        var plugin = new DefaultPreemptionPlugin(() => profile!, null, listers);
        profile = new SchedulerProfile("default-scheduler", [new NodeResourcesFitPlugin(), plugin], new Dictionary<string, int>(), 0, new Random(1));
        return (plugin, listers);
    }

    public static TheoryData<string, V1PodDisruptionBudget[], string[]> SplitCases => new()
    {
        { "no budgets", [], [] },
        { "one disruption allowed: the second matching pod violates", [Budget("db", 1)], ["db-2"] },
        { "none allowed: every matching pod violates", [Budget("db", 0)], ["db-1", "db-2"] },
        { "pods already disrupted do not use up the budget", [Budget("db", 0, "default", "db-1")], ["db-2"] },
        { "an empty selector matches nothing", [Budget("", 0)], [] },
        { "a budget in another namespace does not apply", [Budget("db", 0, "other")], [] },
    };

    [Theory]
    [MemberData(nameof(SplitCases))]
    public void SplitByBudgetViolation(string name, V1PodDisruptionBudget[] budgets, string[] violating)
    {
        var pods = new[] { Pod("db-1", "db"), Pod("db-2", "db"), Pod("web-1", "web") };
        var (v, nv) = DefaultPreemptionPlugin.SplitByBudgetViolation(pods, budgets);
        Assert.True(violating.SequenceEqual(v.Select(p => p.Pod.Metadata.Name)), name);
        Assert.Equal(3 - violating.Length, nv.Count);
    }

    [Fact]
    public async Task PostFilter_PrefersNodeWhoseVictimsViolateNoBudget()
    {
        var (plugin, listers) = Build();
        listers.DisruptionBudgets.Upsert(Budget("db", 0));

        // Same priorities and counts: only the budget tells the nodes apart.
        var n1 = Make.Info(Make.Node("n1", cpu: "2"), Pod("db-1", "db", cpu: "2").Pod);
        var n2 = Make.Info(Make.Node("n2", cpu: "2"), Pod("web-1", "web", cpu: "2").Pod);
        var preemptor = new PodInfo(Make.Pod("urgent", cpu: "2", priority: 100));
        var statuses = new Dictionary<string, Status> { ["n1"] = Status.Unschedulable("Insufficient cpu"), ["n2"] = Status.Unschedulable("Insufficient cpu") };

        var result = await plugin.PostFilterAsync(new CycleState(), preemptor, new Snapshot([n1, n2]), statuses, CancellationToken.None);

        Assert.Equal("n2", result.NominatedNodeName);
    }

    [Fact]
    public async Task PostFilter_BudgetViolationsOutrankVictimPriority()
    {
        var (plugin, listers) = Build();
        listers.DisruptionBudgets.Upsert(Budget("db", 0));
        var n1 = Make.Info(Make.Node("n1", cpu: "2"), Pod("db-1", "db", priority: 1, cpu: "2").Pod);
        var n2 = Make.Info(Make.Node("n2", cpu: "2"), Pod("web-1", "web", priority: 50, cpu: "2").Pod);
        var preemptor = new PodInfo(Make.Pod("urgent", cpu: "2", priority: 100));
        var statuses = new Dictionary<string, Status> { ["n1"] = Status.Unschedulable("Insufficient cpu"), ["n2"] = Status.Unschedulable("Insufficient cpu") };

        var result = await plugin.PostFilterAsync(new CycleState(), preemptor, new Snapshot([n1, n2]), statuses, CancellationToken.None);

        // Without budgets n1 (lower victim priority) would win.
        Assert.Equal("n2", result.NominatedNodeName);
    }

    [Fact]
    public void SelectVictims_ReprievesBudgetProtectedPodsFirst()
    {
        var (plugin, _) = Build();
        var node = Make.Info(Make.Node("n1", cpu: "2"), Pod("plain", "web", priority: 5).Pod, Pod("guarded", "db", priority: 5).Pod);
        var preemptor = new PodInfo(Make.Pod("urgent", cpu: "1", priority: 100));

        var victims = plugin.SelectVictims(preemptor, node, new Snapshot([node]), [Budget("db", 0)]);

        Assert.Equal(["plain"], victims!.Pods.Select(p => p.Pod.Metadata.Name));
        Assert.Equal(0, victims.Violations);
    }

    [Fact]
    public void SelectVictims_CountsViolationsThatCannotBeAvoided()
    {
        var (plugin, _) = Build();
        var node = Make.Info(Make.Node("n1", cpu: "2"), Pod("db-1", "db").Pod, Pod("db-2", "db").Pod);
        var preemptor = new PodInfo(Make.Pod("urgent", cpu: "2", priority: 100));

        var victims = plugin.SelectVictims(preemptor, node, new Snapshot([node]), [Budget("db", 1)]);

        Assert.Equal(2, victims!.Pods.Count);
        Assert.Equal(1, victims.Violations);
    }
}
