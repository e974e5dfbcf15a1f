using k8s.Models;
using Skiff.ApiServer.Registry.Apps.Deployments;

namespace Skiff.ApiServer.Tests.Registry.Apps.Deployments;

public class DeploymentStrategyTests
{
    private readonly DeploymentStrategy _strategy = Strategies.For<DeploymentStrategy, V1Deployment>();

    private static V1Deployment Deployment() => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" },
        Spec = new V1DeploymentSpec { Selector = Strategies.Selector(), Template = Strategies.Template() },
    };

    [Fact]
    public void Default_EmptySpec_KubernetesDefaults()
    {
        var d = Deployment();
        _strategy.Default(d);
        Assert.Equal(1, d.Spec.Replicas);
        Assert.Equal("RollingUpdate", d.Spec.Strategy.Type);
        Assert.Equal("25%", d.Spec.Strategy.RollingUpdate.MaxSurge.Value);
        Assert.Equal("25%", d.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
        Assert.Equal(10, d.Spec.RevisionHistoryLimit);
        Assert.Equal(600, d.Spec.ProgressDeadlineSeconds);
        Assert.Equal("ClusterFirst", d.Spec.Template.Spec.DnsPolicy);
        Assert.Equal("IfNotPresent", d.Spec.Template.Spec.Containers[0].ImagePullPolicy);
    }

    [Fact]
    public void Default_Recreate_NoRollingUpdateBlock()
    {
        var d = Deployment();
        d.Spec.Strategy = new V1DeploymentStrategy { Type = "Recreate" };
        _strategy.Default(d);
        Assert.Null(d.Spec.Strategy.RollingUpdate);
    }

    [Fact]
    public void Create_Valid_NoErrorsAndEmptyStatus()
    {
        var d = Deployment();
        d.Status = new V1DeploymentStatus { Replicas = 5 };
        Assert.Empty(Strategies.Create(_strategy, d));
        Assert.Null(d.Status.Replicas);
        Assert.True(_strategy.TracksGeneration);
    }

    [Fact]
    public void Create_SelectorMismatch_KubernetesMessage()
    {
        var d = Deployment();
        d.Spec.Selector = Strategies.Selector("api");
        var e = Assert.Single(Strategies.Create(_strategy, d));
        Assert.Equal("spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does not match template `labels`", e.ToString());
    }

    [Fact]
    public void Create_NoSelector_Required()
    {
        var d = Deployment();
        d.Spec.Selector = null;
        Assert.Equal("spec.selector: Required value", Assert.Single(Strategies.Create(_strategy, d)).ToString());
    }

    [Fact]
    public void Create_EmptySelector_Invalid()
    {
        var d = Deployment();
        d.Spec.Selector = new V1LabelSelector();
        Assert.Contains(Strategies.Create(_strategy, d), e => e.ToString().EndsWith("empty selector is invalid for deployment", StringComparison.Ordinal));
    }

    [Fact]
    public void Create_NegativeReplicas_Invalid()
    {
        var d = Deployment();
        d.Spec.Replicas = -1;
        Assert.Equal("spec.replicas: Invalid value: -1: must be greater than or equal to 0", Assert.Single(Strategies.Create(_strategy, d)).ToString());
    }

    [Fact]
    public void Create_BothSurgeAndUnavailableZero_Invalid()
    {
        var d = Deployment();
        d.Spec.Strategy = new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxSurge = 0, MaxUnavailable = 0 } };
        Assert.Equal("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0", Assert.Single(Strategies.Create(_strategy, d)).ToString());
    }

    [Fact]
    public void Create_MaxUnavailableOver100Percent_Invalid()
    {
        var d = Deployment();
        d.Spec.Strategy = new V1DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new V1RollingUpdateDeployment { MaxUnavailable = "150%" } };
        Assert.Equal("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"150%\": must not be greater than 100%", Assert.Single(Strategies.Create(_strategy, d)).ToString());
    }

    [Fact]
    public void Create_RestartPolicyNever_NotSupported()
    {
        var d = Deployment();
        d.Spec.Template = Strategies.Template("Never");
        Assert.Equal("spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"", Assert.Single(Strategies.Create(_strategy, d)).ToString());
    }

    [Fact]
    public void Create_ProgressDeadlineNotAboveMinReady_Invalid()
    {
        var d = Deployment();
        d.Spec.MinReadySeconds = 700;
        Assert.Equal("spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds", Assert.Single(Strategies.Create(_strategy, d)).ToString());
    }

    [Fact]
    public void Update_SelectorChanged_Immutable()
    {
        var old = Deployment();
        Strategies.Create(_strategy, old);
        var updated = Strategies.Copy(old);
        updated.Spec.Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "fe" } };
        updated.Spec.Template.Metadata.Labels["tier"] = "fe";
        var e = Assert.Single(Strategies.Update(_strategy, updated, old));
        Assert.Equal("spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web\", \"tier\":\"fe\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable", e.ToString());
    }

    [Fact]
    public void Update_KeepsOldStatus()
    {
        var old = Deployment();
        Strategies.Create(_strategy, old);
        old.Status = new V1DeploymentStatus { Replicas = 3 };
        var updated = Strategies.Copy(old);
        updated.Status = new V1DeploymentStatus { Replicas = 99 };
        Assert.Empty(Strategies.Update(_strategy, updated, old));
        Assert.Equal(3, updated.Status.Replicas);
    }

    [Fact]
    public void ValidateStatusUpdate_ReadyAboveReplicas_Invalid()
    {
        var old = Deployment();
        var updated = Strategies.Copy(old);
        updated.Status = new V1DeploymentStatus { Replicas = 1, ReadyReplicas = 2 };
        var errors = new Skiff.Api.Validation.FieldErrors();
        _strategy.ValidateStatusUpdate(updated, old, errors);
        Assert.Contains(errors, e => e.ToString() == "status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas");
    }
}
