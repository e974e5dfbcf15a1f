using k8s.Models;
using Skiff.Api.Validation;
using Skiff.ApiServer.Registry.Shared;

namespace Skiff.ApiServer.Tests.Registry.Shared;

public class PodSpecValidationTests
{
    private static FieldErrors Check(V1PodSpec spec)
    {
        PodSpecDefaults.Apply(spec);
        var errors = new FieldErrors();
        PodSpecValidation.Validate(spec, "spec", errors);
        return errors;
    }

    private static V1Container C(string name = "c", string image = "busybox") => new() { Name = name, Image = image };

    [Fact]
    public void Validate_ValidSpec_NoErrors() => Assert.Empty(Check(new V1PodSpec { Containers = [C()] }));

    [Fact]
    public void Validate_NoContainers_Required() =>
        Assert.Equal("spec.containers: Required value", Assert.Single(Check(new V1PodSpec())).ToString());

    [Fact]
    public void Validate_MissingImage_Required() =>
        Assert.Equal("spec.containers[0].image: Required value", Assert.Single(Check(new V1PodSpec { Containers = [C(image: "")] })).ToString());

    [Fact]
    public void Validate_BadContainerName_DnsLabelMessage()
    {
        var e = Assert.Single(Check(new V1PodSpec { Containers = [C("Web_1")] }));
        Assert.Equal("spec.containers[0].name", e.Field);
        Assert.StartsWith("spec.containers[0].name: Invalid value: \"Web_1\": a lowercase RFC 1123 label must consist of", e.ToString());
    }

    [Fact]
    public void Validate_DuplicateNames_AcrossInitAndMain_Duplicate()
    {
        var errors = Check(new V1PodSpec { InitContainers = [C("a")], Containers = [C("a")] });
        Assert.Equal("spec.containers[0].name: Duplicate value: \"a\"", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Validate_Ports_RangeNameAndProtocol()
    {
        var c = C();
        c.Ports =
        [
            new V1ContainerPort { ContainerPort = 70000, Name = "http" },
            new V1ContainerPort { ContainerPort = 80, Name = "http", Protocol = "HTTP" },
        ];
        var errors = Check(new V1PodSpec { Containers = [c] }).Select(e => e.ToString()).ToList();
        Assert.Contains("spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive", errors);
        Assert.Contains("spec.containers[0].ports[1].name: Duplicate value: \"http\"", errors);
        Assert.Contains("spec.containers[0].ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"", errors);
    }

    [Fact]
    public void Validate_MountOfUnknownVolume_NotFound()
    {
        var c = C();
        c.VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = "/data" }];
        Assert.Equal("spec.containers[0].volumeMounts[0].name: Not found: \"data\"", Assert.Single(Check(new V1PodSpec { Containers = [c] })).ToString());
    }

    [Fact]
    public void Validate_DuplicateVolume_Duplicate()
    {
        var errors = Check(new V1PodSpec { Containers = [C()], Volumes = [new V1Volume { Name = "v" }, new V1Volume { Name = "v" }] });
        Assert.Equal("spec.volumes[1].name: Duplicate value: \"v\"", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Validate_BadRestartPolicy_NotSupported()
    {
        var errors = Check(new V1PodSpec { Containers = [C()], RestartPolicy = "Sometimes" });
        Assert.Equal("spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", \"OnFailure\", \"Never\"", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Validate_ProbeWithoutHandler_Required()
    {
        var c = C();
        c.ReadinessProbe = new V1Probe();
        Assert.Equal("spec.containers[0].readinessProbe: Required value: must specify a handler type", Assert.Single(Check(new V1PodSpec { Containers = [c] })).ToString());
    }

    [Fact]
    public void Validate_LivenessSuccessThresholdNotOne_Invalid()
    {
        var c = C();
        c.LivenessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction { Port = 80 }, SuccessThreshold = 2 };
        Assert.Equal("spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1", Assert.Single(Check(new V1PodSpec { Containers = [c] })).ToString());
    }

    [Fact]
    public void Validate_RequestAboveLimit_Invalid()
    {
        var c = C();
        c.Resources = new V1ResourceRequirements
        {
            Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m") },
            Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("1") },
        };
        Assert.Equal("spec.containers[0].resources.requests: Invalid value: \"1\": must be less than or equal to cpu limit of 500m", Assert.Single(Check(new V1PodSpec { Containers = [c] })).ToString());
    }

    [Fact]
    public void Validate_EnvNameWithEquals_Invalid()
    {
        var c = C();
        c.Env = [new V1EnvVar { Name = "A=B", Value = "x" }];
        Assert.Equal("spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must consist only of printable ASCII characters other than '='", Assert.Single(Check(new V1PodSpec { Containers = [c] })).ToString());
    }

    [Fact]
    public void Validate_ConfigMapWithoutName_Required()
    {
        var errors = Check(new V1PodSpec { Containers = [C()], Volumes = [new V1Volume { Name = "v", ConfigMap = new V1ConfigMapVolumeSource() }] });
        Assert.Equal("spec.volumes[0].configMap.name: Required value", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Validate_TemplateLabels_Checked()
    {
        var template = new V1PodTemplateSpec
        {
            Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "bad value" } },
            Spec = new V1PodSpec { Containers = [C()] },
        };
        PodSpecDefaults.ApplyTemplate(template);
        var errors = new FieldErrors();
        PodSpecValidation.ValidateTemplate(template, "spec.template", errors);
        Assert.Equal("spec.template.labels", Assert.Single(errors).Field);
    }

    [Fact]
    public void Validate_DuplicateContainerNames_Duplicate() =>
        Assert.Equal("spec.containers[1].name: Duplicate value: \"a\"", Assert.Single(Check(new V1PodSpec { Containers = [C("a"), C("a", "y")] })).ToString());

    [Fact]
    public void Validate_NullSpec_Required()
    {
        var errors = new FieldErrors();
        PodSpecValidation.Validate(null, "spec", errors);
        Assert.Equal("spec: Required value", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Validate_SameHostPortTwice_DuplicateWithProtocolAndHostIp()
    {
        var a = C("a");
        a.Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = 8080 }];
        var b = C("b");
        b.Ports = [new V1ContainerPort { ContainerPort = 81, HostPort = 8080 }];
        Assert.Equal("spec.containers[1].ports[0].hostPort: Duplicate value: \"TCP//8080\"", Assert.Single(Check(new V1PodSpec { Containers = [a, b] })).ToString());
    }

    [Fact]
    public void Validate_MountOfInvalidVolume_AlsoNotFound()
    {
        var c = C();
        c.VolumeMounts = [new V1VolumeMount { Name = "cfg", MountPath = "/cfg" }];
        var errors = Check(new V1PodSpec { Containers = [c], Volumes = [new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource() }] });
        Assert.Equal(
            ["spec.volumes[0].configMap.name: Required value", "spec.containers[0].volumeMounts[0].name: Not found: \"cfg\""],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Validate_HostPathType_NotSupported()
    {
        var errors = Check(new V1PodSpec { Containers = [C()], Volumes = [new V1Volume { Name = "h", HostPath = new V1HostPathVolumeSource { Path = "/x", Type = "Dir" } }] });
        Assert.StartsWith("spec.volumes[0].hostPath.type: Unsupported value: \"Dir\": supported values: \"\", \"BlockDevice\"", Assert.Single(errors).ToString());
    }

    [Fact]
    public void Validate_ProbeWithoutPort_PortZeroOutOfRange()
    {
        var c = C();
        c.ReadinessProbe = new V1Probe { TcpSocket = new V1TCPSocketAction() };
        Assert.Equal("spec.containers[0].readinessProbe.tcpSocket.port: Invalid value: 0: must be between 1 and 65535, inclusive", Assert.Single(Check(new V1PodSpec { Containers = [c] })).ToString());
    }

    [Fact]
    public void Validate_ExtendedResourceRequestBelowLimit_MustBeEqual()
    {
        var c = C();
        c.Resources = new V1ResourceRequirements
        {
            Limits = new Dictionary<string, ResourceQuantity> { ["example.com/gpu"] = new("2") },
            Requests = new Dictionary<string, ResourceQuantity> { ["example.com/gpu"] = new("1") },
        };
        Assert.Equal("spec.containers[0].resources.requests: Invalid value: \"1\": must be equal to example.com/gpu limit of 2", Assert.Single(Check(new V1PodSpec { Containers = [c] })).ToString());
    }

    [Fact]
    public void Validate_RegularContainerRestartPolicy_Forbidden()
    {
        var c = C();
        c.RestartPolicy = "Always";
        Assert.Equal("spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers", Assert.Single(Check(new V1PodSpec { Containers = [c] })).ToString());
    }

    [Fact]
    public void Validate_TolerationValueInvalid_OneJoinedMessage()
    {
        var errors = Check(new V1PodSpec { Containers = [C()], Tolerations = [new V1Toleration { Key = "k", Value = "bad value!" }] });
        var e = Assert.Single(errors);
        Assert.Equal("spec.tolerations[0].operator", e.Field);
    }

    [Fact]
    public void ValidatePodOnly_ImageWithSpaces_Invalid_ButTemplatesAccept()
    {
        var spec = new V1PodSpec { Containers = [C(image: " busybox ")] };
        Assert.Empty(Check(spec));
        var errors = new FieldErrors();
        PodSpecValidation.ValidatePodOnly(spec, "spec", errors);
        Assert.Equal("spec.containers[0].image: Invalid value: \" busybox \": must not have leading or trailing whitespace", Assert.Single(errors).ToString());
    }

    [Fact]
    public void ValidateTemplate_EphemeralContainers_Forbidden()
    {
        var template = new V1PodTemplateSpec
        {
            Spec = new V1PodSpec { Containers = [C()], EphemeralContainers = [new V1EphemeralContainer { Name = "debug", Image = "busybox" }] },
        };
        PodSpecDefaults.ApplyTemplate(template);
        var errors = new FieldErrors();
        PodSpecValidation.ValidateTemplate(template, "template", errors);
        Assert.Equal("template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template", Assert.Single(errors).ToString());
    }
}
