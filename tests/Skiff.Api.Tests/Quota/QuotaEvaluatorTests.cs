using k8s.Models;
using Skiff.Api.Quota;

namespace Skiff.Api.Tests.Quota;

public sealed class QuotaEvaluatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static V1Container Container(string name, string? cpuRequest = null, string? cpuLimit = null, string? memoryRequest = null, string? memoryLimit = null, string? restartPolicy = null)
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        var limits = new Dictionary<string, ResourceQuantity>();
        if (cpuRequest is not null) requests["cpu"] = new ResourceQuantity(cpuRequest);
        if (memoryRequest is not null) requests["memory"] = new ResourceQuantity(memoryRequest);
        if (cpuLimit is not null) limits["cpu"] = new ResourceQuantity(cpuLimit);
        if (memoryLimit is not null) limits["memory"] = new ResourceQuantity(memoryLimit);
        return new V1Container { Name = name, RestartPolicy = restartPolicy, Resources = new V1ResourceRequirements { Requests = requests, Limits = limits } };
    }

    private static V1Pod Pod(params V1Container[] containers) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = "ns" },
        Spec = new V1PodSpec { Containers = containers },
        Status = new V1PodStatus { Phase = "Pending" },
    };

    private static Dictionary<string, string> Text(Dictionary<string, ResourceQuantity> usage) => usage.ToDictionary(kv => kv.Key, kv => kv.Value.ToString());

    [Fact]
    public void Usage_Pod_CountsRequestsLimitsAndShorthands()
    {
        var usage = Text(QuotaEvaluator.Usage("", "pods", Pod(Container("a", "250m", "500m", "64Mi", "128Mi"), Container("b", "250m", "1", "64Mi", "128Mi")), Now));
        Assert.Equal("1", usage["pods"]);
        Assert.Equal("1", usage["count/pods"]);
        Assert.Equal("500m", usage["requests.cpu"]);
        Assert.Equal("500m", usage["cpu"]);
        Assert.Equal("1500m", usage["limits.cpu"]);
        Assert.Equal("128Mi", usage["requests.memory"]);
        Assert.Equal("128Mi", usage["memory"]);
        Assert.Equal("256Mi", usage["limits.memory"]);
    }

    [Fact]
    public void Usage_InitContainer_CountsAsTheLargerOfItAndTheApps()
    {
        var pod = Pod(Container("app", "100m"));
        pod.Spec.InitContainers = [Container("init", "300m"), Container("sidecar", "50m", restartPolicy: "Always")];
        var usage = Text(QuotaEvaluator.Usage("", "pods", pod, Now));

        // The init container runs alone (300m); the sidecar runs beside the app afterwards (100m + 50m).
        Assert.Equal("300m", usage["requests.cpu"]);
    }

    [Fact]
    public void Usage_ExtendedResource_OnlyAsRequests()
    {
        var c = Container("gpu");
        c.Resources.Requests["example.com/gpu"] = new ResourceQuantity("2");
        c.Resources.Limits["example.com/gpu"] = new ResourceQuantity("2");
        var usage = Text(QuotaEvaluator.Usage("", "pods", Pod(c), Now));
        Assert.Equal("2", usage["requests.example.com/gpu"]);
        Assert.DoesNotContain("limits.example.com/gpu", usage.Keys);
        Assert.True(QuotaEvaluator.Tracks("", "pods", "requests.example.com/gpu"));
    }

    [Theory]
    [InlineData("Succeeded")]
    [InlineData("Failed")]
    public void Usage_TerminalPod_IsFree(string phase)
    {
        var pod = Pod(Container("a", "1"));
        pod.Status.Phase = phase;
        Assert.DoesNotContain("pods", QuotaEvaluator.Usage("", "pods", pod, Now).Keys);
        Assert.False(QuotaEvaluator.IsCounted(pod, Now));
    }

    [Fact]
    public void IsCounted_DeletedPod_CountsUntilItsGracePeriodRunsOut()
    {
        var pod = Pod(Container("a"));
        pod.Metadata.DeletionTimestamp = Now.UtcDateTime;
        pod.Metadata.DeletionGracePeriodSeconds = 30;
        Assert.True(QuotaEvaluator.IsCounted(pod, Now.AddSeconds(29)));
        Assert.False(QuotaEvaluator.IsCounted(pod, Now.AddSeconds(31)));
    }

    [Fact]
    public void Usage_Services_CountNodePortsAndLoadBalancers()
    {
        var lb = new V1Service { Spec = new V1ServiceSpec { Type = "LoadBalancer", Ports = [new V1ServicePort { Port = 80 }, new V1ServicePort { Port = 443 }] } };
        var usage = Text(QuotaEvaluator.Usage("", "services", lb, Now));
        Assert.Equal(("1", "1", "2", "1"), (usage["services"], usage["services.loadbalancers"], usage["services.nodeports"], usage["count/services"]));

        var clusterIp = Text(QuotaEvaluator.Usage("", "services", new V1Service { Spec = new V1ServiceSpec { Type = "ClusterIP", Ports = [new V1ServicePort { Port = 80 }] } }, Now));
        Assert.DoesNotContain("services.nodeports", clusterIp.Keys);
    }

    [Fact]
    public void Usage_Claim_StorageAlsoPerStorageClass()
    {
        var pvc = new V1PersistentVolumeClaim
        {
            Spec = new V1PersistentVolumeClaimSpec
            {
                StorageClassName = "local-path",
                Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new("5Gi") } },
            },
        };
        var usage = Text(QuotaEvaluator.Usage("", "persistentvolumeclaims", pvc, Now));
        Assert.Equal("5Gi", usage["requests.storage"]);
        Assert.Equal("5Gi", usage["local-path.storageclass.storage.k8s.io/requests.storage"]);
        Assert.Equal("1", usage["local-path.storageclass.storage.k8s.io/persistentvolumeclaims"]);
        Assert.Equal("1", usage["persistentvolumeclaims"]);
        Assert.True(QuotaEvaluator.Tracks("", "persistentvolumeclaims", "local-path.storageclass.storage.k8s.io/requests.storage"));
        Assert.False(QuotaEvaluator.Tracks("", "pods", "requests.storage"));
    }

    [Fact]
    public void Usage_OtherResources_CountedByGroupQualifiedName()
    {
        var usage = Text(QuotaEvaluator.Usage("apps", "deployments", new V1Deployment(), Now));
        Assert.Equal(new Dictionary<string, string> { ["count/deployments.apps"] = "1" }, usage);
        Assert.True(QuotaEvaluator.Tracks("apps", "deployments", "count/deployments.apps"));
        Assert.False(QuotaEvaluator.Tracks("apps", "deployments", "pods"));
        Assert.Equal("1", Text(QuotaEvaluator.Usage("", "configmaps", new V1ConfigMap(), Now))["configmaps"]);
    }

    [Fact]
    public void MatchesScopes_TerminatingBestEffortAndPriorityClass()
    {
        var bestEffort = Pod(Container("a"));
        var burstable = Pod(Container("a", "100m"));
        burstable.Spec.ActiveDeadlineSeconds = 60;
        burstable.Spec.PriorityClassName = "high";

        Assert.True(QuotaEvaluator.MatchesScopes(new V1ResourceQuotaSpec { Scopes = ["BestEffort", "NotTerminating"] }, bestEffort));
        Assert.False(QuotaEvaluator.MatchesScopes(new V1ResourceQuotaSpec { Scopes = ["BestEffort"] }, burstable));
        Assert.True(QuotaEvaluator.MatchesScopes(new V1ResourceQuotaSpec { Scopes = ["NotBestEffort", "Terminating"] }, burstable));

        var high = new V1ResourceQuotaSpec { ScopeSelector = new V1ScopeSelector { MatchExpressions = [new V1ScopedResourceSelectorRequirement { ScopeName = "PriorityClass", OperatorProperty = "In", Values = ["high"] }] } };
        Assert.True(QuotaEvaluator.MatchesScopes(high, burstable));
        Assert.False(QuotaEvaluator.MatchesScopes(high, bestEffort));

        // Scopes describe pods: a scoped quota does not charge a service.
        Assert.False(QuotaEvaluator.MatchesScopes(new V1ResourceQuotaSpec { Scopes = ["NotTerminating"] }, new V1Service()));
        Assert.True(QuotaEvaluator.MatchesScopes(new V1ResourceQuotaSpec(), new V1Service()));
    }

    [Fact]
    public void Constraints_ListMissingResourcesPerContainer()
    {
        var pod = Pod(Container("a", cpuRequest: "100m", cpuLimit: "200m"), Container("b"), Container("c", memoryRequest: "1Mi"));
        Assert.Equal("must specify limits.cpu for: b,c; requests.memory for: a,b", QuotaEvaluator.Constraints(["limits.cpu", "requests.memory", "pods"], pod));
        Assert.Null(QuotaEvaluator.Constraints(["pods", "count/pods"], pod));
        Assert.Null(QuotaEvaluator.Constraints(["cpu"], Pod(Container("a", cpuRequest: "1"))));
    }
}
