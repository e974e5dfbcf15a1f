using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Api.Selectors;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Queues;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.PodAutoscaler;

/// <summary>
/// kube-controller-manager's horizontal pod autoscaler (pkg/controller/podautoscaler/horizontal.go) for
/// autoscaling/v2 with resource metrics: every sync period it reads the target's scale subresource, computes a
/// replica count per metric from pod usage (<see cref="ReplicaCalculator"/>), takes the largest, stabilizes and
/// rate-limits it (<see cref="ReplicaNormalizer"/>), writes it through the scale subresource, and reports
/// currentReplicas, desiredReplicas, currentMetrics, lastScaleTime and the AbleToScale, ScalingActive and
/// ScalingLimited conditions with Kubernetes' reasons and events.
/// </summary>
internal sealed partial class HorizontalPodAutoscalerController : IController
{
    private readonly IInformer<V2HorizontalPodAutoscaler> _hpas;
    private readonly IInformer<V1Pod> _pods;
    private readonly IResourceClient<V2HorizontalPodAutoscaler> _client;
    private readonly IScaleClient _scales;
    private readonly IMetricsSource _metrics;
    private readonly IEventRecorder _recorder;
    private readonly PodAutoscalerOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ReplicaCalculator _calculator;

    public HorizontalPodAutoscalerController(
        IInformer<V2HorizontalPodAutoscaler> hpas,
        IInformer<V1Pod> pods,
        IResourceClient<V2HorizontalPodAutoscaler> client,
        IScaleClient scales,
        IMetricsSource metrics,
        IEventRecorder recorder,
        PodAutoscalerOptions options,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _hpas = hpas;
        _pods = pods;
        _client = client;
        _scales = scales;
        _metrics = metrics;
        _recorder = recorder;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger;
        _calculator = new ReplicaCalculator(options.Tolerance, options.CpuInitializationPeriod, options.InitialReadinessDelay);
        Normalizer = new ReplicaNormalizer(options, timeProvider);
        Queue = new RateLimitingQueue<string>(RateLimiters.DefaultController<string>(timeProvider), timeProvider);
        Sync = SyncAsync;
        hpas.AddEventHandler(new ResourceEventHandler<V2HorizontalPodAutoscaler>(
            onAdd: h => Queue.Add(ObjectKey.Of(h)),
            // Status writes (our own included) are not a reason to reconcile early: each HPA runs every sync
            // period; a spec change (new generation) is looked at at once.
            onUpdate: (old, cur) =>
            {
                if (old.Metadata.Generation != cur.Metadata.Generation)
                {
                    Queue.Add(ObjectKey.Of(cur));
                }
            },
            onDelete: h => Normalizer.Forget(ObjectKey.Of(h))));
    }

    public string Name => "horizontalpodautoscaler";

    public RateLimitingQueue<string> Queue { get; }

    public ReplicaNormalizer Normalizer { get; }

    /// <summary>The sync handler; tests swap it to observe which keys are enqueued.</summary>
    public SyncHandler Sync { get; set; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_hpas.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken)).ConfigureAwait(false);
        await Workers.RunAsync(Name, Queue, () => Sync, workers, _logger, cancellationToken).ConfigureAwait(false);
    }

    private async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        await ReconcileAsync(key, cancellationToken).ConfigureAwait(false);
        if (_hpas.Indexer.Get(key) is not null)
        {
            throw new RequeueAfterException(_options.SyncPeriod);
        }
    }

    /// <summary>One reconcile of one HPA (kube's reconcileAutoscaler). Tests call it directly.</summary>
    internal async Task ReconcileAsync(string key, CancellationToken cancellationToken)
    {
        if (_hpas.Indexer.Get(key) is not { } cached)
        {
            Normalizer.Forget(key);
            return;
        }

        var hpa = Objects.Clone(cached);
        var original = Objects.Clone(hpa.Status ?? new V2HorizontalPodAutoscalerStatus());
        hpa.Status ??= new V2HorizontalPodAutoscalerStatus();
        var spec = hpa.Spec;
        var ns = hpa.Metadata.NamespaceProperty;
        var minReplicas = spec.MinReplicas ?? 1;

        V1Scale scale;
        try
        {
            scale = await _scales.GetAsync(ns, spec.ScaleTargetRef, cancellationToken).ConfigureAwait(false);
        }
        catch (ScaleException ex)
        {
            SetCondition(hpa, "AbleToScale", "False", "FailedGetScale", $"the HPA controller was unable to get the target's current scale: {ex.Message}");
            _recorder.Event(hpa, "Warning", "FailedGetScale", ex.Message);
            await UpdateStatusIfNeededAsync(original, hpa, cancellationToken).ConfigureAwait(false);
            Log.Failed(_logger, key, ex.Message);
            return;
        }

        SetCondition(hpa, "AbleToScale", "True", "SucceededGetScale", "the HPA controller was able to get the target's current scale");
        var current = scale.Spec?.Replicas ?? 0;
        Normalizer.RecordInitialRecommendation(key, current);

        IList<V2MetricStatus>? statuses = null;
        var desired = 0;
        var rescale = true;
        var reason = "";
        if (current == 0 && minReplicas != 0)
        {
            // Autoscaling is off while the target is scaled to zero by hand.
            rescale = false;
            SetCondition(hpa, "ScalingActive", "False", "ScalingDisabled", "scaling is disabled since the replica count of the target is zero");
        }
        else if (current > spec.MaxReplicas)
        {
            reason = "Current number of replicas above Spec.MaxReplicas";
            desired = spec.MaxReplicas;
        }
        else if (current < minReplicas)
        {
            reason = "Current number of replicas below Spec.MinReplicas";
            desired = minReplicas;
        }
        else
        {
            var (proposal, metricName, metricStatuses, error) = await ComputeReplicasForMetricsAsync(hpa, scale, current, cancellationToken).ConfigureAwait(false);
            statuses = metricStatuses;
            if (proposal == -1)
            {
                SetStatus(hpa, current, hpa.Status.DesiredReplicas, statuses, rescale: false);
                await UpdateStatusIfNeededAsync(original, hpa, cancellationToken).ConfigureAwait(false);
                _recorder.Event(hpa, "Warning", "FailedComputeMetricsReplicas", error!);
                Log.Failed(_logger, key, error!);
                return;
            }

            desired = proposal;
            if (desired > current)
            {
                reason = $"{metricName} above target";
            }

            if (desired < current)
            {
                reason = "All metrics below target";
            }

            var (normalized, ableToScale, limited) = Normalizer.Normalize(key, spec, current, desired, minReplicas);
            SetCondition(hpa, ableToScale);
            SetCondition(hpa, limited);
            desired = normalized;
            rescale = desired != current;
        }

        if (rescale)
        {
            scale.Spec ??= new V1ScaleSpec();
            scale.Spec.Replicas = desired;
            try
            {
                await _scales.UpdateAsync(ns, spec.ScaleTargetRef, scale, cancellationToken).ConfigureAwait(false);
            }
            catch (ScaleException ex)
            {
                _recorder.Event(hpa, "Warning", "FailedRescale", $"New size: {desired}; reason: {reason}; error: {ex.Message}");
                SetCondition(hpa, "AbleToScale", "False", "FailedUpdateScale", $"the HPA controller was unable to update the target scale: {ex.Message}");
                SetStatus(hpa, current, hpa.Status.DesiredReplicas, statuses, rescale: false);
                await UpdateStatusIfNeededAsync(original, hpa, cancellationToken).ConfigureAwait(false);
                Log.Failed(_logger, key, ex.Message);
                return;
            }

            SetCondition(hpa, "AbleToScale", "True", "SucceededRescale", $"the HPA controller was able to update the target scale to {desired}");
            _recorder.Event(hpa, "Normal", "SuccessfulRescale", $"New size: {desired}; reason: {reason}");
            Normalizer.StoreScaleEvent(key, spec.Behavior, current, desired);
            Log.Rescaled(_logger, key, $"{spec.ScaleTargetRef.Kind}/{spec.ScaleTargetRef.Name}", current, desired, reason);
        }
        else
        {
            desired = current;
        }

        SetStatus(hpa, current, desired, statuses, rescale);
        await UpdateStatusIfNeededAsync(original, hpa, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// kube's computeReplicasForMetrics: the largest proposal over the metrics; -1 (with the first error) when every
    /// metric failed, or when some failed and the rest would scale down (never scale down on partial data).
    /// </summary>
    private async Task<(int Replicas, string Metric, IList<V2MetricStatus> Statuses, string? Error)> ComputeReplicasForMetricsAsync(
        V2HorizontalPodAutoscaler hpa, V1Scale scale, int current, CancellationToken cancellationToken)
    {
        var specs = hpa.Spec.Metrics ?? [];
        var statuses = specs.Select(_ => new V2MetricStatus { Type = "" }).ToList();
        var selectorText = scale.Status?.Selector;
        if (string.IsNullOrEmpty(selectorText))
        {
            _recorder.Event(hpa, "Warning", "SelectorRequired", "selector is required");
            SetCondition(hpa, "ScalingActive", "False", "InvalidSelector", "the HPA target's scale is missing a selector");
            return (-1, "", statuses, "selector is required");
        }

        LabelSelector selector;
        try
        {
            selector = LabelSelector.Parse(selectorText);
        }
        catch (SelectorParseException ex)
        {
            var message = $"couldn't convert selector into a corresponding internal selector object: {ex.Message}";
            _recorder.Event(hpa, "Warning", "InvalidSelector", message);
            SetCondition(hpa, "ScalingActive", "False", "InvalidSelector", message);
            return (-1, "", statuses, message);
        }

        var replicas = 0;
        var metric = "";
        var invalid = 0;
        string? firstError = null;
        HpaCondition? invalidCondition = null;
        for (var i = 0; i < specs.Count; i++)
        {
            try
            {
                var (proposal, name, status) = await ComputeReplicasForMetricAsync(hpa, specs[i], current, selectorText, selector, cancellationToken).ConfigureAwait(false);
                statuses[i] = status;
                if (replicas == 0 || proposal > replicas)
                {
                    replicas = proposal;
                    metric = name;
                }
            }
            catch (MetricFailedException ex)
            {
                if (invalid == 0)
                {
                    invalidCondition = new HpaCondition("ScalingActive", "False", ex.Reason, $"the HPA was unable to compute the replica count: {ex.Message}");
                    firstError = ex.Message;
                }

                _recorder.Event(hpa, "Warning", ex.Reason, ex.Message);
                invalid++;
            }
        }

        if (invalid > 0)
        {
            firstError = $"invalid metrics ({invalid} invalid out of {specs.Count}), first error is: {firstError}";
        }

        if (invalid >= specs.Count || (invalid > 0 && replicas < current))
        {
            if (invalidCondition is not null)
            {
                SetCondition(hpa, invalidCondition);
            }

            return (-1, "", statuses, firstError ?? "no metrics specified");
        }

        SetCondition(hpa, "ScalingActive", "True", "ValidMetricFound", $"the HPA was able to successfully calculate a replica count from {metric}");
        return (replicas, metric, statuses, firstError);
    }

    private async Task<(int Replicas, string Metric, V2MetricStatus Status)> ComputeReplicasForMetricAsync(
        V2HorizontalPodAutoscaler hpa, V2MetricSpec spec, int current, string selectorText, LabelSelector selector, CancellationToken cancellationToken)
    {
        var (resource, target, container, reason, kind) = spec.Type switch
        {
            "Resource" => (spec.Resource?.Name, spec.Resource?.Target, (string?)null, "FailedGetResourceMetric", "resource"),
            "ContainerResource" => (spec.ContainerResource?.Name, spec.ContainerResource?.Target, spec.ContainerResource?.Container, "FailedGetContainerResourceMetric", "container resource"),
            _ => (null, null, null, $"FailedGet{spec.Type}Metric", ""),
        };
        if (resource is null || target is null)
        {
            throw new MetricFailedException(reason, $"unable to get {spec.Type} metric: only resource and container resource metrics are served in this cluster (no custom or external metrics API)");
        }

        var ns = hpa.Metadata.NamespaceProperty;
        var pods = _pods.Indexer.ListNamespace(ns).Where(p => selector.Matches(p.Metadata.Labels)).ToList();
        var now = _timeProvider.GetUtcNow();
        if (target.AverageUtilization is { } utilizationTarget)
        {
            try
            {
                var metrics = await FetchAsync(resource, ns, selectorText, container, cancellationToken).ConfigureAwait(false);
                var (replicas, utilization, raw) = _calculator.ResourceReplicas(current, utilizationTarget, resource, container, pods, metrics, now);
                var currentValue = new V2MetricValueStatus { AverageUtilization = utilization, AverageValue = Milli(raw) };
                return (replicas, $"{resource} {kind} utilization (percentage of request)", Status(spec.Type, resource, container, currentValue));
            }
            catch (ReplicaCalculationException ex)
            {
                throw new MetricFailedException(reason, $"failed to get {resource} utilization: {ex.Message}");
            }
        }

        if (target.AverageValue is { } averageValue)
        {
            try
            {
                var metrics = await FetchAsync(resource, ns, selectorText, container, cancellationToken).ConfigureAwait(false);
                var (replicas, usage) = _calculator.RawResourceReplicas(current, (long)Math.Ceiling(averageValue.ToDecimal() * 1000), resource, pods, metrics, now);
                return (replicas, $"{resource} {kind}", Status(spec.Type, resource, container, new V2MetricValueStatus { AverageValue = Milli(usage) }));
            }
            catch (ReplicaCalculationException ex)
            {
                throw new MetricFailedException(reason, $"failed to get {resource} usage: {ex.Message}");
            }
        }

        throw new MetricFailedException(reason, "invalid resource metric source: neither a utilization target nor a value target was set");
    }

    private async Task<IReadOnlyDictionary<string, PodMetric>> FetchAsync(string resource, string ns, string selector, string? container, CancellationToken cancellationToken)
    {
        try
        {
            var metrics = await _metrics.GetResourceMetricAsync(resource, ns, selector, container, cancellationToken).ConfigureAwait(false);
            if (metrics.Count == 0)
            {
                throw new MetricsUnavailableException("no metrics returned from resource metrics API");
            }

            return metrics;
        }
        catch (MetricsUnavailableException ex)
        {
            throw new ReplicaCalculationException($"unable to get metrics for resource {resource}: {ex.Message}");
        }
    }

    private static V2MetricStatus Status(string type, string resource, string? container, V2MetricValueStatus current) => type == "ContainerResource"
        ? new V2MetricStatus { Type = type, ContainerResource = new V2ContainerResourceMetricStatus { Name = resource, Container = container, Current = current } }
        : new V2MetricStatus { Type = type, Resource = new V2ResourceMetricStatus { Name = resource, Current = current } };

    private static ResourceQuantity Milli(long milli) => new(milli % 1000 == 0 ? (milli / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture) : milli.ToString(System.Globalization.CultureInfo.InvariantCulture) + "m");

    private void SetStatus(V2HorizontalPodAutoscaler hpa, int current, int? desired, IList<V2MetricStatus>? statuses, bool rescale)
    {
        hpa.Status.CurrentReplicas = current;
        hpa.Status.DesiredReplicas = desired ?? 0;
        hpa.Status.CurrentMetrics = statuses is { Count: > 0 } ? statuses : null;
        hpa.Status.ObservedGeneration = hpa.Metadata.Generation;
        if (rescale)
        {
            hpa.Status.LastScaleTime = _timeProvider.GetUtcNow().UtcDateTime;
        }
    }

    private void SetCondition(V2HorizontalPodAutoscaler hpa, HpaCondition condition) =>
        SetCondition(hpa, condition.Type, condition.Status, condition.Reason, condition.Message);

    /// <summary>kube's setConditionInList: the transition time moves only when the status changes.</summary>
    private void SetCondition(V2HorizontalPodAutoscaler hpa, string type, string status, string reason, string message)
    {
        hpa.Status.Conditions ??= [];
        var existing = hpa.Status.Conditions.FirstOrDefault(c => c.Type == type);
        if (existing is null)
        {
            existing = new V2HorizontalPodAutoscalerCondition { Type = type };
            hpa.Status.Conditions.Add(existing);
        }

        if (existing.Status != status)
        {
            existing.LastTransitionTime = _timeProvider.GetUtcNow().UtcDateTime;
        }

        existing.Status = status;
        existing.Reason = reason;
        existing.Message = message;
    }

    private async Task UpdateStatusIfNeededAsync(V2HorizontalPodAutoscalerStatus original, V2HorizontalPodAutoscaler hpa, CancellationToken cancellationToken)
    {
        if (Objects.JsonEqual(original, hpa.Status))
        {
            return;
        }

        try
        {
            await _client.UpdateAsync(hpa, cancellationToken, "status").ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
        }
    }

    /// <summary>One metric could not give a replica count; <see cref="Reason"/> is the event and condition reason.</summary>
    private sealed class MetricFailedException(string reason, string message) : Exception(message)
    {
        public string Reason { get; } = reason;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, EventName = "HpaRescaled", Level = LogLevel.Information, Message = "HPA {Key} scaled {Target} from {From} to {To}: {Reason}")]
        public static partial void Rescaled(ILogger logger, string key, string target, int from, int to, string reason);

        [LoggerMessage(EventId = 2, EventName = "HpaReconcileFailed", Level = LogLevel.Information, Message = "HPA {Key} cannot scale: {Error}")]
        public static partial void Failed(ILogger logger, string key, string error);
    }
}
