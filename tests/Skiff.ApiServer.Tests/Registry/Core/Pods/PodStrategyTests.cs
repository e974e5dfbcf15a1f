using k8s.Models;
using Skiff.ApiServer.Registry.Core.Pods;
using static Skiff.ApiServer.Tests.Registry.Strategies;

namespace Skiff.ApiServer.Tests.Registry.Core.Pods;

public sealed class PodStrategyTests
{
    private static PodStrategy Strategy() => Bind<PodStrategy, V1Pod>(new PodStrategy());

    private static V1Pod Pod(params V1Container[] containers) => new()
    {
        Metadata = Meta("web"),
        Spec = new V1PodSpec { Containers = containers.Length > 0 ? containers : [new V1Container { Name = "nginx", Image = "nginx:1.27" }] },
    };

    [Fact]
    public void Create_MinimalPod_GetsApiAndAdmissionDefaults()
    {
        var pod = Pod();
        var errors = Create(Strategy(), pod);

        Assert.Empty(errors);
        var spec = pod.Spec;
        Assert.Equal("Always", spec.RestartPolicy);
        Assert.Equal("ClusterFirst", spec.DnsPolicy);
        Assert.Equal("default-scheduler", spec.SchedulerName);
        Assert.Equal(30, spec.TerminationGracePeriodSeconds);
        Assert.NotNull(spec.SecurityContext);
        Assert.True(spec.EnableServiceLinks);
        Assert.Equal("default", spec.ServiceAccountName);
        Assert.Equal("default", spec.ServiceAccount);
        Assert.Equal(0, spec.Priority);
        Assert.Equal("PreemptLowerPriority", spec.PreemptionPolicy);
        var c = spec.Containers[0];
        Assert.Equal("/dev/termination-log", c.TerminationMessagePath);
        Assert.Equal("File", c.TerminationMessagePolicy);
        Assert.Equal("IfNotPresent", c.ImagePullPolicy);
        Assert.Equal("Pending", pod.Status.Phase);
        Assert.Equal("BestEffort", pod.Status.QosClass);
    }

    [Fact]
    public void Create_MinimalPod_AddsNotReadyAndUnreachableTolerations()
    {
        var pod = Pod();
        Create(Strategy(), pod);

        Assert.Collection(
            pod.Spec.Tolerations,
            t =>
            {
                Assert.Equal("node.kubernetes.io/not-ready", t.Key);
                Assert.Equal("Exists", t.OperatorProperty);
                Assert.Equal("NoExecute", t.Effect);
                Assert.Equal(300, t.TolerationSeconds);
            },
            t => Assert.Equal("node.kubernetes.io/unreachable", t.Key));
    }

    [Fact]
    public void Create_PodToleratingEverything_GetsNoDefaultTolerations()
    {
        var pod = Pod();
        pod.Spec.Tolerations = [new V1Toleration { OperatorProperty = "Exists" }];
        Create(Strategy(), pod);

        Assert.Single(pod.Spec.Tolerations);
    }

    [Fact]
    public void Create_LimitsOnly_RequestsDefaultToLimitsAndQosGuaranteed()
    {
        var pod = Pod(new V1Container
        {
            Name = "c",
            Image = "nginx",
            Resources = new V1ResourceRequirements
            {
                Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("128Mi") },
            },
        });
        Create(Strategy(), pod);

        Assert.Equal("500m", pod.Spec.Containers[0].Resources.Requests["cpu"].ToString());
        Assert.Equal("128Mi", pod.Spec.Containers[0].Resources.Requests["memory"].ToString());
        Assert.Equal("Guaranteed", pod.Status.QosClass);
    }

    [Fact]
    public void Create_RequestsOnly_QosBurstable()
    {
        var pod = Pod(new V1Container
        {
            Name = "c",
            Image = "nginx",
            Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m") } },
        });
        Create(Strategy(), pod);

        Assert.Equal("Burstable", pod.Status.QosClass);
    }

    [Fact]
    public void Validate_MissingImageAndBadName_KubernetesMessages()
    {
        var pod = Pod(new V1Container { Name = "Web_1" });
        var errors = Create(Strategy(), pod);

        var text = Messages(errors);
        Assert.Contains("spec.containers[0].image: Required value", text);
        Assert.Contains("spec.containers[0].name: Invalid value: \"Web_1\": a lowercase RFC 1123 label must consist of", text);
    }

    [Fact]
    public void Validate_ImageWithSurroundingSpace_PodOnlyRule()
    {
        var pod = Pod(new V1Container { Name = "c", Image = " nginx" });
        var errors = Create(Strategy(), pod);

        Assert.Equal("spec.containers[0].image: Invalid value: \" nginx\": must not have leading or trailing whitespace", Assert.Single(errors).ToString());
    }

    [Fact]
    public void ValidateUpdate_ImageChange_Allowed()
    {
        var strategy = Strategy();
        var old = Pod();
        Create(strategy, old);
        var pod = Copy(old);
        pod.Spec.Containers[0].Image = "nginx:1.28";

        Assert.Empty(Update(strategy, pod, old));
    }

    [Fact]
    public void ValidateUpdate_PortChange_ForbiddenWithKubernetesMessage()
    {
        var strategy = Strategy();
        var old = Pod();
        Create(strategy, old);
        var pod = Copy(old);
        pod.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 8080 }];

        var error = Assert.Single(Update(strategy, pod, old));
        Assert.StartsWith(
            "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n",
            error.ToString());
    }

    [Fact]
    public void ValidateUpdate_AddToleration_Allowed()
    {
        var strategy = Strategy();
        var old = Pod();
        Create(strategy, old);
        var pod = Copy(old);
        pod.Spec.Tolerations.Add(new V1Toleration { Key = "dedicated", OperatorProperty = "Equal", Value = "db", Effect = "NoSchedule" });

        Assert.Empty(Update(strategy, pod, old));
    }

    [Fact]
    public void ValidateUpdate_RemoveToleration_Forbidden()
    {
        var strategy = Strategy();
        var old = Pod();
        Create(strategy, old);
        var pod = Copy(old);
        pod.Spec.Tolerations.RemoveAt(0);

        Assert.Contains(Update(strategy, pod, old), e => e.ToString() == "spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds");
    }

    [Fact]
    public void ValidateUpdate_AddContainer_Forbidden()
    {
        var strategy = Strategy();
        var old = Pod();
        Create(strategy, old);
        var pod = Copy(old);
        pod.Spec.Containers.Add(new V1Container { Name = "sidecar", Image = "busybox" });

        Assert.Contains(Update(strategy, pod, old), e => e.ToString() == "spec.containers: Forbidden: pod updates may not add or remove containers");
    }

    [Fact]
    public void PrepareForUpdate_StatusInBody_KeepsOldStatus()
    {
        var strategy = Strategy();
        var old = Pod();
        Create(strategy, old);
        var pod = Copy(old);
        pod.Status.Phase = "Running";

        Update(strategy, pod, old);

        Assert.Equal("Pending", pod.Status.Phase);
    }

    [Fact]
    public void ValidateStatusUpdate_QosChange_Immutable()
    {
        var strategy = Strategy();
        var old = Pod();
        Create(strategy, old);
        var pod = Copy(old);
        pod.Status.QosClass = "Guaranteed";
        strategy.PrepareForStatusUpdate(pod, old);
        var errors = new Skiff.Api.Validation.FieldErrors();
        strategy.ValidateStatusUpdate(pod, old, errors);

        Assert.Equal("status.qosClass: Invalid value: \"Guaranteed\": field is immutable", Assert.Single(errors).ToString());
    }

    [Fact]
    public void SelectableFields_UnscheduledPod_EmptyAndFalseValues()
    {
        var pod = Pod();
        Create(Strategy(), pod);
        var fields = Strategy().SelectableFields(pod).ToDictionary();

        Assert.Equal("", fields["spec.nodeName"]);
        Assert.Equal("false", fields["spec.hostNetwork"]);
        Assert.Equal("Pending", fields["status.phase"]);
        Assert.Equal("", fields["status.podIP"]);
        Assert.Equal("default", fields["spec.serviceAccountName"]);
        Assert.Equal(8, fields.Count);
    }
}
