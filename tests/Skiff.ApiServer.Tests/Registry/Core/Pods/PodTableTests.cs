using k8s.Models;
using Skiff.ApiServer.Registry.Core.Pods;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.Pods;

public sealed class PodTableTests
{
    private static V1Pod Pod(V1PodStatus status, int containers = 1) => new()
    {
        Metadata = Meta("web"),
        Spec = new V1PodSpec
        {
            Containers = Enumerable.Range(0, containers).Select(i => new V1Container { Name = $"c{i}", Image = "nginx" }).ToList(),
        },
        Status = status,
    };

    private static object?[] Cells(V1Pod pod) => PodTable.Instance.Cells(pod, Now);

    [Fact]
    public void Columns_MatchKubeApiserverPrinter()
    {
        var columns = PodTable.Instance.Columns;

        Assert.Equal(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"], columns.Select(c => c.Name));
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1], columns.Select(c => c.Priority));
        Assert.Equal("name", columns[0].Format);
    }

    [Fact]
    public void Cells_NewPendingPod_PendingWithNones()
    {
        var cells = Cells(Pod(new V1PodStatus { Phase = "Pending" }));

        Assert.Equal(["web", "0/1", "Pending", "0", "5m", "<none>", "<none>", "<none>", "<none>"], cells);
    }

    [Fact]
    public void Cells_RunningReadyPod_RunningOneOfOne()
    {
        var pod = Pod(new V1PodStatus
        {
            Phase = "Running",
            PodIPs = [new V1PodIP { Ip = "10.42.0.7" }],
            ContainerStatuses = [new V1ContainerStatus { Name = "c0", Ready = true, State = new V1ContainerState { Running = new V1ContainerStateRunning() } }],
        });
        pod.Spec.NodeName = "node-1";

        var cells = Cells(pod);

        Assert.Equal("1/1", cells[1]);
        Assert.Equal("Running", cells[2]);
        Assert.Equal("10.42.0.7", cells[5]);
        Assert.Equal("node-1", cells[6]);
    }

    [Fact]
    public void Cells_CrashLoopBackOff_StatusAndRestartAge()
    {
        var pod = Pod(new V1PodStatus
        {
            Phase = "Running",
            ContainerStatuses =
            [
                new V1ContainerStatus
                {
                    Name = "c0",
                    RestartCount = 4,
                    State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } },
                    LastState = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 1, Reason = "Error", FinishedAt = Now.AddSeconds(-42) } },
                },
            ],
        });

        var cells = Cells(pod);

        Assert.Equal("0/1", cells[1]);
        Assert.Equal("CrashLoopBackOff", cells[2]);
        Assert.Equal("4 (42s ago)", cells[3]);
    }

    [Fact]
    public void Cells_ContainerCreating_WaitingReason()
    {
        var pod = Pod(new V1PodStatus
        {
            Phase = "Pending",
            ContainerStatuses = [new V1ContainerStatus { Name = "c0", State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } } }],
        });

        Assert.Equal("ContainerCreating", Cells(pod)[2]);
    }

    [Fact]
    public void Cells_DeletionTimestamp_Terminating()
    {
        var pod = Pod(new V1PodStatus { Phase = "Running" });
        pod.Metadata.DeletionTimestamp = Now;

        Assert.Equal("Terminating", Cells(pod)[2]);
    }

    [Fact]
    public void Cells_DeletedSucceededPod_KeepsCompleted()
    {
        var pod = Pod(new V1PodStatus
        {
            Phase = "Succeeded",
            ContainerStatuses = [new V1ContainerStatus { Name = "c0", State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 0, Reason = "Completed" } } }],
        });
        pod.Metadata.DeletionTimestamp = Now;

        Assert.Equal("Completed", Cells(pod)[2]);
    }

    [Fact]
    public void Cells_FirstInitContainerRunning_InitZeroOfTwo()
    {
        var pod = Pod(new V1PodStatus
        {
            Phase = "Pending",
            InitContainerStatuses =
            [
                new V1ContainerStatus { Name = "i0", State = new V1ContainerState { Running = new V1ContainerStateRunning() } },
                new V1ContainerStatus { Name = "i1", State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "PodInitializing" } } },
            ],
        });
        pod.Spec.InitContainers = [new V1Container { Name = "i0", Image = "x" }, new V1Container { Name = "i1", Image = "x" }];

        Assert.Equal("Init:0/2", Cells(pod)[2]);
    }

    [Fact]
    public void Cells_InitContainerCrashing_InitPrefixedReason()
    {
        var pod = Pod(new V1PodStatus
        {
            Phase = "Pending",
            InitContainerStatuses = [new V1ContainerStatus { Name = "i0", State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } } }],
        });
        pod.Spec.InitContainers = [new V1Container { Name = "i0", Image = "x" }];

        Assert.Equal("Init:CrashLoopBackOff", Cells(pod)[2]);
    }

    [Fact]
    public void Cells_RunningSidecar_CountsTowardsReady()
    {
        var pod = Pod(new V1PodStatus
        {
            Phase = "Running",
            Conditions = [new V1PodCondition { Type = "Initialized", Status = "True" }],
            InitContainerStatuses = [new V1ContainerStatus { Name = "proxy", Started = true, Ready = true, State = new V1ContainerState { Running = new V1ContainerStateRunning() } }],
            ContainerStatuses = [new V1ContainerStatus { Name = "c0", Ready = true, State = new V1ContainerState { Running = new V1ContainerStateRunning() } }],
        });
        pod.Spec.InitContainers = [new V1Container { Name = "proxy", Image = "envoy", RestartPolicy = "Always" }];

        var cells = Cells(pod);

        Assert.Equal("2/2", cells[1]);
        Assert.Equal("Running", cells[2]);
    }

    [Fact]
    public void Cells_OneContainerCompletedOtherRunningNotReady_NotReady()
    {
        var pod = Pod(
            new V1PodStatus
            {
                Phase = "Running",
                ContainerStatuses =
                [
                    new V1ContainerStatus { Name = "c0", Ready = true, State = new V1ContainerState { Running = new V1ContainerStateRunning() } },
                    new V1ContainerStatus { Name = "c1", State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { Reason = "Completed" } } },
                ],
            },
            containers: 2);

        Assert.Equal("NotReady", Cells(pod)[2]);
    }

    [Fact]
    public void Cells_ReadinessGates_CountsTrueConditions()
    {
        var pod = Pod(new V1PodStatus
        {
            Phase = "Running",
            Conditions = [new V1PodCondition { Type = "example.com/ready", Status = "True" }],
        });
        pod.Spec.ReadinessGates = [new V1PodReadinessGate { ConditionType = "example.com/ready" }, new V1PodReadinessGate { ConditionType = "example.com/other" }];

        Assert.Equal("1/2", Cells(pod)[8]);
    }
}
