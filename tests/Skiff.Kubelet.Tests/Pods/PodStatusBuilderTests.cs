using k8s.Models;
using Skiff.Kubelet.Cri.V1;
using Skiff.Kubelet.Pods;

namespace Skiff.Kubelet.Tests.Pods;

public class PodStatusBuilderTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static V1Pod Pod(string restartPolicy = "Always", params string[] init) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "default", Uid = "u1" },
        Spec = new V1PodSpec
        {
            RestartPolicy = restartPolicy,
            Containers = [new V1Container { Name = "app", Image = "busybox" }],
            InitContainers = init.Length == 0 ? null : init.Select(n => new V1Container { Name = n, Image = "busybox" }).ToList(),
        },
        Status = new V1PodStatus
        {
            Phase = "Pending",
            QosClass = "BestEffort",
            Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = Now.AddMinutes(-1) }],
        },
    };

    private static ContainerStatus Running(string id, uint attempt = 0) => new()
    {
        Id = id,
        Metadata = new ContainerMetadata { Name = "app", Attempt = attempt },
        State = ContainerState.ContainerRunning,
        StartedAt = 1_767_225_600_000_000_000,
        ImageRef = "sha256:abc",
    };

    private static ContainerStatus Exited(string id, int code, string reason = "", uint attempt = 0, string name = "app") => new()
    {
        Id = id,
        Metadata = new ContainerMetadata { Name = name, Attempt = attempt },
        State = ContainerState.ContainerExited,
        ExitCode = code,
        Reason = reason,
        StartedAt = 1_767_225_600_000_000_000,
        FinishedAt = 1_767_225_601_000_000_000,
    };

    private static PodSandboxStatus Sandbox() => new()
    {
        Id = "s1",
        State = PodSandboxState.SandboxReady,
        Network = new PodSandboxNetworkStatus { Ip = "10.42.0.7" },
    };

    private static V1PodStatus Build(V1Pod pod, Dictionary<string, ContainerHistory> containers, Dictionary<string, WaitingReason>? waiting = null, bool terminating = false, PodSandboxStatus? sandbox = null) =>
        PodStatusBuilder.Build(new PodStatusBuilder.Input
        {
            Pod = pod,
            Sandbox = sandbox ?? Sandbox(),
            Containers = containers,
            Waiting = waiting ?? [],
            NodeAddress = "192.0.2.1",
            Now = Now,
            Terminating = terminating,
        });

    [Fact]
    public void Running_container_makes_the_pod_Running_and_Ready_with_ips_and_ids()
    {
        var status = Build(Pod(), new() { ["app"] = new ContainerHistory(Running("c1"), null) });

        Assert.Equal("Running", status.Phase);
        Assert.Equal("10.42.0.7", status.PodIP);
        Assert.Equal("192.0.2.1", status.HostIP);
        Assert.Equal("BestEffort", status.QosClass);
        var c = Assert.Single(status.ContainerStatuses);
        Assert.True(c.Ready);
        Assert.True(c.Started);
        Assert.Equal("containerd://c1", c.ContainerID);
        Assert.Equal("sha256:abc", c.ImageID);
        Assert.NotNull(c.State.Running);
        Assert.Equal(["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"], status.Conditions.Select(x => x.Type));
        Assert.All(status.Conditions, x => Assert.Equal("True", x.Status));
        Assert.Equal(Now.AddMinutes(-1), status.Conditions.Single(x => x.Type == "PodScheduled").LastTransitionTime);
    }

    [Fact]
    public void Missing_container_waits_with_ContainerCreating_and_the_pod_is_Pending()
    {
        var status = Build(Pod(), []);
        Assert.Equal("Pending", status.Phase);
        Assert.Equal("ContainerCreating", status.ContainerStatuses[0].State.Waiting.Reason);
        var ready = status.Conditions.Single(x => x.Type == "Ready");
        Assert.Equal(("False", "ContainersNotReady", "containers with unready status: [app]"), (ready.Status, ready.Reason, ready.Message));
    }

    [Fact]
    public void Crash_looping_container_is_waiting_with_the_last_termination_and_the_pod_stays_Running()
    {
        var waiting = new Dictionary<string, WaitingReason> { ["app"] = new("CrashLoopBackOff", "back-off 10s restarting failed container=app pod=p_default(u1)") };
        var status = Build(Pod(), new() { ["app"] = new ContainerHistory(Exited("c2", 3, "Error", attempt: 1), Exited("c1", 3, "Error")) }, waiting);

        Assert.Equal("Running", status.Phase);
        var c = status.ContainerStatuses[0];
        Assert.Equal("CrashLoopBackOff", c.State.Waiting.Reason);
        Assert.Equal(3, c.LastState.Terminated.ExitCode);
        Assert.Equal("Error", c.LastState.Terminated.Reason);
        Assert.Equal(1, c.RestartCount);
        Assert.False(c.Ready);
    }

    [Theory]
    [InlineData("Never", 0, "Succeeded")]
    [InlineData("Never", 1, "Failed")]
    [InlineData("OnFailure", 0, "Succeeded")]
    [InlineData("OnFailure", 1, "Running")]
    [InlineData("Always", 0, "Running")]
    public void Phase_of_an_exited_container_follows_the_restart_policy(string policy, int exitCode, string phase)
    {
        var status = Build(Pod(policy), new() { ["app"] = new ContainerHistory(Exited("c1", exitCode), null) });
        Assert.Equal(phase, status.Phase);
    }

    [Fact]
    public void OOMKilled_reason_from_the_runtime_is_kept()
    {
        var status = Build(Pod("Never"), new() { ["app"] = new ContainerHistory(Exited("c1", 137, "OOMKilled"), null) });
        Assert.Equal("Failed", status.Phase);
        Assert.Equal("OOMKilled", status.ContainerStatuses[0].State.Terminated.Reason);
    }

    [Fact]
    public void Pending_init_container_keeps_the_pod_Pending_and_app_containers_PodInitializing()
    {
        var status = Build(Pod("Always", "setup", "migrate"), new() { ["setup"] = new ContainerHistory(Exited("i1", 0, "Completed", name: "setup"), null) });
        Assert.Equal("Pending", status.Phase);
        Assert.Equal("Completed", status.InitContainerStatuses[0].State.Terminated.Reason);
        Assert.Equal("PodInitializing", status.InitContainerStatuses[1].State.Waiting.Reason);
        Assert.Equal("PodInitializing", status.ContainerStatuses[0].State.Waiting.Reason);
        var initialized = status.Conditions.Single(x => x.Type == "Initialized");
        Assert.Equal(("False", "ContainersNotInitialized", "containers with incomplete status: [migrate]"), (initialized.Status, initialized.Reason, initialized.Message));
    }

    [Fact]
    public void Failed_init_container_with_restart_policy_Never_fails_the_pod()
    {
        var status = Build(Pod("Never", "setup"), new() { ["setup"] = new ContainerHistory(Exited("i1", 1, "Error", name: "setup"), null) });
        Assert.Equal("Failed", status.Phase);
    }

    [Fact]
    public void Image_pull_error_is_shown_as_the_waiting_reason()
    {
        var waiting = new Dictionary<string, WaitingReason> { ["app"] = new("ErrImagePull", "failed to pull and unpack image") };
        var status = Build(Pod(), [], waiting);
        Assert.Equal("Pending", status.Phase);
        Assert.Equal(("ErrImagePull", "failed to pull and unpack image"), (status.ContainerStatuses[0].State.Waiting.Reason, status.ContainerStatuses[0].State.Waiting.Message));
    }

    [Fact]
    public void Host_network_pod_gets_the_node_address_as_pod_ip()
    {
        var pod = Pod();
        pod.Spec.HostNetwork = true;
        var status = Build(pod, new() { ["app"] = new ContainerHistory(Running("c1"), null) }, sandbox: new PodSandboxStatus { Id = "s", State = PodSandboxState.SandboxReady });
        Assert.Equal("192.0.2.1", status.PodIP);
    }

    [Fact]
    public void Transition_time_is_kept_while_a_condition_does_not_change()
    {
        var pod = Pod();
        var first = Build(pod, new() { ["app"] = new ContainerHistory(Running("c1"), null) });
        pod.Status = first;
        var later = PodStatusBuilder.Build(new PodStatusBuilder.Input
        {
            Pod = pod,
            Sandbox = Sandbox(),
            Containers = new Dictionary<string, ContainerHistory> { ["app"] = new ContainerHistory(Running("c1"), null) },
            NodeAddress = "192.0.2.1",
            Now = Now.AddMinutes(5),
        });
        Assert.Equal(Now, later.Conditions.Single(c => c.Type == "Ready").LastTransitionTime);
        Assert.Equal(first.StartTime, later.StartTime);
    }

    [Fact]
    public void Failed_start_under_restart_policy_Never_shows_the_termination_not_a_waiting_reason()
    {
        var waiting = new Dictionary<string, WaitingReason> { ["app"] = new("RunContainerError", "exec: no such file") };
        var status = Build(Pod("Never"), new() { ["app"] = new ContainerHistory(Exited("c1", 128, "StartError"), null) }, waiting);
        Assert.Equal("Failed", status.Phase);
        Assert.Equal("StartError", status.ContainerStatuses[0].State.Terminated.Reason);
        Assert.Null(status.ContainerStatuses[0].State.Waiting);
    }
}
