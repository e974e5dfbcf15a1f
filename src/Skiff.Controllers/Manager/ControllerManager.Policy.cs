using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Controllers.Common;
using Skiff.Controllers.Disruption;
using Skiff.Controllers.ResourceQuota;

namespace Skiff.Controllers.Manager;

/// <summary>The policy controllers: resource quota usage and pod disruption budgets.</summary>
public sealed partial class ControllerManager
{
    /// <summary>kube-controller-manager's --concurrent-resource-quota-syncs.</summary>
    private const int ResourceQuotaWorkers = 5;

    /// <summary>kube-controller-manager's --resource-quota-sync-period: the full recount of every quota.</summary>
    private static readonly TimeSpan ResourceQuotaResync = TimeSpan.FromMinutes(5);

    private static readonly ApiResource ResourceQuotas = new("", "v1", "resourcequotas", "ResourceQuota", true);
    private static readonly ApiResource PersistentVolumeClaims = new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true);
    private static readonly ApiResource ConfigMaps = new("", "v1", "configmaps", "ConfigMap", true);
    private static readonly ApiResource Secrets = new("", "v1", "secrets", "Secret", true);
    private static readonly ApiResource StatefulSets = new("apps", "v1", "statefulsets", "StatefulSet", true);
    private static readonly ApiResource PodDisruptionBudgets = new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true);

    private IEnumerable<(IController Controller, int Workers)> PolicyControllers(InformerFactory factory, Func<string, ILogger> logger)
    {
        var pods = factory.For<V1Pod>(ApiResource.Pods);
        yield return (new ResourceQuotaController(
            factory.For<V1ResourceQuota>(ResourceQuotas), pods, factory.For<V1Service>(ApiResource.Services), factory.For<V1PersistentVolumeClaim>(PersistentVolumeClaims),
            factory.For<V1ConfigMap>(ConfigMaps), factory.For<V1Secret>(Secrets), Client("resourcequota-controller").For<V1ResourceQuota>(ResourceQuotas), CountObjectsAsync,
            ResourceQuotaResync, timeProvider, logger("ResourceQuota")), ResourceQuotaWorkers);
        yield return (new DisruptionController(
            factory.For<V1PodDisruptionBudget>(PodDisruptionBudgets), pods, factory.For<V1ReplicaSet>(ApiResource.ReplicaSets), factory.For<V1Deployment>(ApiResource.Deployments),
            factory.For<V1ReplicationController>(ApiResource.ReplicationControllers), factory.For<V1StatefulSet>(StatefulSets), Client("disruption-controller").For<V1PodDisruptionBudget>(PodDisruptionBudgets),
            timeProvider, logger("Disruption")), 1);
    }

    /// <summary>Counts the objects of a resource found by discovery (for <c>count/&lt;resource&gt;.&lt;group&gt;</c> quotas); null if the server has no such resource.</summary>
    private async Task<int?> CountObjectsAsync(string group, string plural, string ns, CancellationToken cancellationToken)
    {
        var resources = await new Discovery(connection).ServerPreferredResourcesAsync(cancellationToken).ConfigureAwait(false);
        var resource = resources.FirstOrDefault(r => r.Resource.Group == group && r.Resource.Plural == plural && r.Resource.Namespaced && r.Supports("list"))?.Resource;
        if (resource is null)
        {
            return null;
        }

        var list = await Client("resourcequota-controller").For<ObjectMetadata>(resource).ListAsync(ns, new ListOptions(), cancellationToken).ConfigureAwait(false);
        return list.Items?.Count ?? 0;
    }
}
