using k8s.Models;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Tests.Registry.Shared;

public class PodSpecDefaultsTests
{
    [Fact]
    public void Apply_EmptySpec_GetsPodSpecDefaults()
    {
        var spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] };
        PodSpecDefaults.Apply(spec);
        Assert.Equal("Always", spec.RestartPolicy);
        Assert.Equal("ClusterFirst", spec.DnsPolicy);
        Assert.Equal("default-scheduler", spec.SchedulerName);
        Assert.Equal(30, spec.TerminationGracePeriodSeconds);
        Assert.NotNull(spec.SecurityContext);
        var c = spec.Containers[0];
        Assert.Equal("/dev/termination-log", c.TerminationMessagePath);
        Assert.Equal("File", c.TerminationMessagePolicy);
        Assert.Equal("Always", c.ImagePullPolicy);
        Assert.Null(spec.EnableServiceLinks);
    }

    [Theory]
    [InlineData("nginx", "Always")]
    [InlineData("nginx:latest", "Always")]
    [InlineData("nginx:1.27", "IfNotPresent")]
    [InlineData("registry.local:5000/team/app", "Always")]
    [InlineData("registry.local:5000/team/app:v2", "IfNotPresent")]
    [InlineData("registry:5000/nginx", "Always")]
    [InlineData("registry:5000/nginx:1.27", "IfNotPresent")]
    [InlineData("nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", "IfNotPresent")]
    [InlineData("Nginx", "IfNotPresent")]
    [InlineData("", "IfNotPresent")]
    public void PullPolicyFor_Image_MatchesKubernetes(string image, string expected) =>
        Assert.Equal(expected, PodSpecDefaults.PullPolicyFor(image));

    [Fact]
    public void Apply_PortsProbesVolumes_GetNestedDefaults()
    {
        var spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container
                {
                    Name = "c",
                    Image = "x:1",
                    Ports = [new V1ContainerPort { ContainerPort = 80 }],
                    LivenessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = 80 } },
                    ReadinessProbe = new V1Probe { Grpc = new V1GRPCAction { Port = 9000 } },
                    Env = [new V1EnvVar { Name = "NODE", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "spec.nodeName" } } }],
                },
            ],
            Volumes =
            [
                new V1Volume { Name = "cm", ConfigMap = new V1ConfigMapVolumeSource { Name = "cfg" } },
                new V1Volume { Name = "sec", Secret = new V1SecretVolumeSource { SecretName = "s" } },
                new V1Volume { Name = "none" },
                new V1Volume { Name = "hp", HostPath = new V1HostPathVolumeSource { Path = "/data" } },
                new V1Volume { Name = "tok", Projected = new V1ProjectedVolumeSource { Sources = [new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { Path = "t" } }] } },
            ],
        };

        PodSpecDefaults.Apply(spec);

        var c = spec.Containers[0];
        Assert.Equal("TCP", c.Ports[0].Protocol);
        Assert.Equal(1, c.LivenessProbe.TimeoutSeconds);
        Assert.Equal(10, c.LivenessProbe.PeriodSeconds);
        Assert.Equal(1, c.LivenessProbe.SuccessThreshold);
        Assert.Equal(3, c.LivenessProbe.FailureThreshold);
        Assert.Equal("/", c.LivenessProbe.HttpGet.Path);
        Assert.Equal("HTTP", c.LivenessProbe.HttpGet.Scheme);
        Assert.Equal("", c.ReadinessProbe.Grpc.Service);
        Assert.Equal("v1", c.Env[0].ValueFrom.FieldRef.ApiVersion);
        Assert.Equal(420, spec.Volumes[0].ConfigMap.DefaultMode);
        Assert.Equal(420, spec.Volumes[1].Secret.DefaultMode);
        Assert.NotNull(spec.Volumes[2].EmptyDir);
        Assert.Equal("", spec.Volumes[3].HostPath.Type);
        Assert.Equal(420, spec.Volumes[4].Projected.DefaultMode);
        Assert.Equal(3600, spec.Volumes[4].Projected.Sources[0].ServiceAccountToken.ExpirationSeconds);
    }

    [Fact]
    public void Apply_ExplicitValues_AreKept()
    {
        var spec = new V1PodSpec
        {
            RestartPolicy = "Never",
            DnsPolicy = "Default",
            TerminationGracePeriodSeconds = 5,
            Containers = [new V1Container { Name = "c", Image = "x", ImagePullPolicy = "Never" }],
        };
        PodSpecDefaults.Apply(spec);
        Assert.Equal("Never", spec.RestartPolicy);
        Assert.Equal("Default", spec.DnsPolicy);
        Assert.Equal(5, spec.TerminationGracePeriodSeconds);
        Assert.Equal("Never", spec.Containers[0].ImagePullPolicy);
    }

    [Fact]
    public void ApplyPodOnly_LimitsWithoutRequests_CopiesLimitsAndEnablesServiceLinks()
    {
        var spec = new V1PodSpec
        {
            HostNetwork = true,
            Containers =
            [
                new V1Container
                {
                    Name = "c",
                    Image = "x",
                    Ports = [new V1ContainerPort { ContainerPort = 8080 }],
                    Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m") } },
                },
            ],
        };
        PodSpecDefaults.ApplyPodOnly(spec);
        Assert.Equal("500m", spec.Containers[0].Resources.Requests["cpu"].ToString());
        Assert.True(spec.EnableServiceLinks);
        Assert.Equal(8080, spec.Containers[0].Ports[0].HostPort);
    }

    [Fact]
    public void Apply_NullSpec_NoChange() => PodSpecDefaults.Apply(null);

    [Fact]
    public void Apply_DeprecatedServiceAccount_KeptInStepOnTemplatesToo()
    {
        var old = new V1PodTemplateSpec { Spec = new V1PodSpec { ServiceAccount = "builder", Containers = [new V1Container { Name = "c", Image = "x" }] } };
        var renamed = new V1PodSpec { ServiceAccountName = "runner", ServiceAccount = "builder" };
        PodSpecDefaults.ApplyTemplate(old);
        PodSpecDefaults.Apply(renamed);
        Assert.Equal("builder", old.Spec.ServiceAccountName);
        Assert.Equal("runner", renamed.ServiceAccount);
    }

    [Fact]
    public void Apply_EnvResourceFieldRef_DivisorZero()
    {
        var spec = new V1PodSpec
        {
            Containers = [new V1Container { Name = "c", Image = "x", Env = [new V1EnvVar { Name = "CPU", ValueFrom = new V1EnvVarSource { ResourceFieldRef = new V1ResourceFieldSelector { Resource = "limits.cpu" } } }] }],
        };
        PodSpecDefaults.Apply(spec);
        Assert.Equal("0", spec.Containers[0].Env[0].ValueFrom.ResourceFieldRef.Divisor.ToString());
    }

    [Fact]
    public void ApplyPodOnly_CopiedRequest_IsIndependentOfLimit()
    {
        var limit = new ResourceQuantity("1");
        var spec = new V1PodSpec
        {
            Containers = [new V1Container { Name = "c", Image = "x", Resources = new V1ResourceRequirements { Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = limit } } }],
        };
        PodSpecDefaults.ApplyPodOnly(spec);
        Assert.NotSame(limit, spec.Containers[0].Resources.Requests["cpu"]);
        Assert.Null(spec.HostNetwork);
    }
}
