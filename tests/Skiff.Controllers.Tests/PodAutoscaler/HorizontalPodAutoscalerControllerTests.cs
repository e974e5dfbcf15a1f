using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Tests.Fakes;
using Skiff.Controllers.Common;
using Skiff.Controllers.PodAutoscaler;

namespace Skiff.Controllers.Tests.PodAutoscaler;

public sealed class HorizontalPodAutoscalerControllerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeInformer<V2HorizontalPodAutoscaler> _hpas = new();
    private readonly FakeInformer<V1Pod> _pods = new();
    private readonly FakeResourceClient<V2HorizontalPodAutoscaler> _hpaClient = new(PodAutoscalerResources.HorizontalPodAutoscalers);
    private readonly FakeScales _scales = new();
    private readonly FakeMetrics _metrics = new();
    private readonly FakeEventRecorder _events = new();
    private readonly HorizontalPodAutoscalerController _controller;

    public HorizontalPodAutoscalerControllerTests()
    {
        _controller = new HorizontalPodAutoscalerController(_hpas, _pods, _hpaClient, _scales, _metrics, _events, new PodAutoscalerOptions(), _time, NullLogger.Instance);
    }

    private void Hpa(int min = 1, int max = 10, int utilization = 50)
    {
        var hpa = _hpaClient.Seed(new V2HorizontalPodAutoscaler
        {
            Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "ns", Generation = 1 },
            Spec = new V2HorizontalPodAutoscalerSpec
            {
                ScaleTargetRef = new V2CrossVersionObjectReference { ApiVersion = "apps/v1", Kind = "Deployment", Name = "web" },
                MinReplicas = min,
                MaxReplicas = max,
                Metrics = [new V2MetricSpec { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "cpu", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = utilization } } }],
            },
        });
        _hpas.Add(hpa);
    }

    private void Pods(int count, string request = "100m")
    {
        for (var i = 0; i < count; i++)
        {
            _pods.Add(new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = $"web-{i}", NamespaceProperty = "ns", Labels = new Dictionary<string, string> { ["app"] = "web" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "i", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(request) } } }] },
                Status = new V1PodStatus
                {
                    Phase = "Running",
                    StartTime = _time.GetUtcNow().UtcDateTime.AddMinutes(-10),
                    Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = _time.GetUtcNow().UtcDateTime.AddMinutes(-9) }],
                },
            });
        }
    }

    private V2HorizontalPodAutoscaler Stored => _hpaClient.Objects.Single();

    private V2HorizontalPodAutoscalerCondition Condition(string type) => Stored.Status.Conditions.Single(c => c.Type == type);

    private Task ReconcileAsync() => _controller.ReconcileAsync("ns/web", CancellationToken.None);

    [Fact]
    public async Task Reconcile_CpuAboveTarget_ScalesUp_WithEventStatusAndConditions()
    {
        Hpa();
        Pods(2);
        _scales.Replicas = 2;
        _metrics.Usage = new() { ["web-0"] = 80, ["web-1"] = 80 };
        await ReconcileAsync();

        Assert.Equal(4, _scales.Replicas);
        Assert.Equal(["Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target"], _events.Events);
        var status = Stored.Status;
        Assert.Equal(2, status.CurrentReplicas);
        Assert.Equal(4, status.DesiredReplicas);
        Assert.Equal(80, status.CurrentMetrics.Single().Resource.Current.AverageUtilization);
        Assert.Equal("80m", status.CurrentMetrics.Single().Resource.Current.AverageValue.ToString());
        Assert.Equal(_time.GetUtcNow().UtcDateTime, status.LastScaleTime);
        Assert.Equal(("True", "SucceededRescale"), (Condition("AbleToScale").Status, Condition("AbleToScale").Reason));
        Assert.Equal("the HPA controller was able to update the target scale to 4", Condition("AbleToScale").Message);
        Assert.Equal(("True", "ValidMetricFound"), (Condition("ScalingActive").Status, Condition("ScalingActive").Reason));
        Assert.Equal(("False", "DesiredWithinRange"), (Condition("ScalingLimited").Status, Condition("ScalingLimited").Reason));
        Assert.Equal("ns:app=web", _metrics.Asked.Single());
    }

    [Fact]
    public async Task Reconcile_WithinTolerance_NoRescale_StatusReportsUsage()
    {
        Hpa();
        Pods(2);
        _scales.Replicas = 2;
        _metrics.Usage = new() { ["web-0"] = 52, ["web-1"] = 52 };
        await ReconcileAsync();
        Assert.Equal(2, _scales.Replicas);
        Assert.Equal(0, _scales.Updates);
        Assert.Empty(_events.Events);
        Assert.Equal(2, Stored.Status.DesiredReplicas);
        Assert.Null(Stored.Status.LastScaleTime);
        Assert.Equal(52, Stored.Status.CurrentMetrics.Single().Resource.Current.AverageUtilization);
    }

    [Fact]
    public async Task Reconcile_NoMetricsApi_ScalingActiveFalse_FailedGetResourceMetric()
    {
        Hpa();
        Pods(2);
        _scales.Replicas = 2;
        _metrics.Error = "unable to fetch metrics from resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)";
        await ReconcileAsync();

        Assert.Equal(0, _scales.Updates);
        var active = Condition("ScalingActive");
        Assert.Equal(("False", "FailedGetResourceMetric"), (active.Status, active.Reason));
        Assert.Equal("the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: " + _metrics.Error, active.Message);
        Assert.Contains(_events.Events, e => e.StartsWith("Warning FailedComputeMetricsReplicas invalid metrics (1 invalid out of 1), first error is: failed to get cpu utilization", StringComparison.Ordinal));
        Assert.Equal(2, Stored.Status.CurrentReplicas);
        Assert.Null(Stored.Status.CurrentMetrics.Single().Resource);
    }

    [Fact]
    public async Task Reconcile_MissingRequests_ReportedOnTheCondition()
    {
        Hpa();
        _pods.Add(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web-0", NamespaceProperty = "ns", Labels = new Dictionary<string, string> { ["app"] = "web" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "i" }] },
            Status = new V1PodStatus { Phase = "Running", StartTime = _time.GetUtcNow().UtcDateTime.AddMinutes(-10), Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }] },
        });
        _scales.Replicas = 1;
        _metrics.Usage = new() { ["web-0"] = 80 };
        await ReconcileAsync();
        Assert.EndsWith("missing request for cpu in container c of Pod web-0", Condition("ScalingActive").Message);
    }

    [Fact]
    public async Task Reconcile_TargetMissing_AbleToScaleFalse_FailedGetScale()
    {
        Hpa();
        _scales.Missing = true;
        await ReconcileAsync();
        var able = Condition("AbleToScale");
        Assert.Equal(("False", "FailedGetScale"), (able.Status, able.Reason));
        Assert.Equal("the HPA controller was unable to get the target's current scale: deployments.apps \"web\" not found", able.Message);
        Assert.Contains("Warning FailedGetScale deployments.apps \"web\" not found", _events.Events);
    }

    [Fact]
    public async Task Reconcile_TargetScaledToZero_ScalingDisabled()
    {
        Hpa();
        _scales.Replicas = 0;
        await ReconcileAsync();
        Assert.Equal(0, _scales.Updates);
        Assert.Equal(("False", "ScalingDisabled"), (Condition("ScalingActive").Status, Condition("ScalingActive").Reason));
    }

    [Theory]
    [InlineData(15, 10, "Current number of replicas above Spec.MaxReplicas")]
    [InlineData(1, 3, "Current number of replicas below Spec.MinReplicas")]
    public async Task Reconcile_OutsideMinMax_BroughtInside_WithoutMetrics(int current, int expected, string reason)
    {
        Hpa(min: 3, max: 10);
        _scales.Replicas = current;
        await ReconcileAsync();
        Assert.Equal(expected, _scales.Replicas);
        Assert.Equal([$"Normal SuccessfulRescale New size: {expected}; reason: {reason}"], _events.Events);
        Assert.Empty(_metrics.Asked);
    }

    [Fact]
    public async Task Reconcile_ScaleDown_WaitsOutTheStabilizationWindow()
    {
        Hpa();
        Pods(4);
        _scales.Replicas = 4;
        _metrics.Usage = Enumerable.Range(0, 4).ToDictionary(i => $"web-{i}", _ => 10L);
        await ReconcileAsync();
        Assert.Equal(4, _scales.Replicas);
        Assert.Equal("ScaleDownStabilized", Condition("AbleToScale").Reason);
        _hpas.Add(Stored);

        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await ReconcileAsync();
        Assert.Equal(1, _scales.Replicas);
        Assert.Contains("Normal SuccessfulRescale New size: 1; reason: All metrics below target", _events.Events);
    }

    [Fact]
    public async Task Reconcile_SelectorlessScale_InvalidSelector()
    {
        Hpa();
        _scales.Replicas = 2;
        _scales.Selector = null;
        await ReconcileAsync();
        Assert.Equal(("False", "InvalidSelector"), (Condition("ScalingActive").Status, Condition("ScalingActive").Reason));
    }

    [Fact]
    public async Task Reconcile_StatusUnchanged_NotWrittenAgain()
    {
        Hpa();
        Pods(2);
        _scales.Replicas = 2;
        _metrics.Usage = new() { ["web-0"] = 50, ["web-1"] = 50 };
        await ReconcileAsync();
        _hpas.Add(Stored);
        var writes = _hpaClient.Calls.Count;
        _time.Advance(TimeSpan.FromSeconds(15));
        await ReconcileAsync();
        Assert.Equal(writes, _hpaClient.Calls.Count);
    }

    [Fact]
    public async Task Reconcile_OneMetricInvalid_NeverScalesDownOnPartialData()
    {
        Hpa();
        var hpa = Stored;
        hpa.Spec.Metrics.Add(new V2MetricSpec { Type = "Resource", Resource = new V2ResourceMetricSource { Name = "memory", Target = new V2MetricTarget { Type = "Utilization", AverageUtilization = 50 } } });
        _hpas.Add(hpa);
        Pods(4);
        _scales.Replicas = 4;
        _metrics.Usage = Enumerable.Range(0, 4).ToDictionary(i => $"web-{i}", _ => 10L);
        await ReconcileAsync();
        Assert.Equal(0, _scales.Updates);
        Assert.Equal(("False", "FailedGetResourceMetric"), (Condition("ScalingActive").Status, Condition("ScalingActive").Reason));
        Assert.Contains("missing request for memory", Condition("ScalingActive").Message);
    }

    [Fact]
    public async Task Reconcile_OneMetricInvalid_StillScalesUpOnTheValidOne()
    {
        Hpa();
        var hpa = Stored;
        hpa.Spec.Metrics.Add(new V2MetricSpec { Type = "Pods", Pods = new V2PodsMetricSource { Metric = new V2MetricIdentifier { Name = "qps" }, Target = new V2MetricTarget { Type = "AverageValue", AverageValue = new ResourceQuantity("10") } } });
        _hpas.Add(hpa);
        Pods(2);
        _scales.Replicas = 2;
        _metrics.Usage = new() { ["web-0"] = 100, ["web-1"] = 100 };
        await ReconcileAsync();
        Assert.Equal(4, _scales.Replicas);
        Assert.Contains(_events.Events, e => e.StartsWith("Warning FailedGetPodsMetric", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Handlers_StatusOnlyUpdate_NotEnqueued_SpecChange_Enqueued()
    {
        Hpa();
        Assert.Equal(1, _controller.Queue.Length);
        var (key, _) = await _controller.Queue.GetAsync(CancellationToken.None);
        _controller.Queue.Done(key);

        var hpa = Stored;
        hpa.Status = new V2HorizontalPodAutoscalerStatus { CurrentReplicas = 3, DesiredReplicas = 3 };
        hpa.Metadata.ResourceVersion = "999";
        _hpas.Add(hpa);
        Assert.Equal(0, _controller.Queue.Length);

        hpa = Objects.Clone(hpa);
        hpa.Spec.MaxReplicas = 20;
        hpa.Metadata.Generation = 2;
        _hpas.Add(hpa);
        Assert.Equal(1, _controller.Queue.Length);
    }

    private sealed class FakeScales : IScaleClient
    {
        public int Replicas { get; set; }

        public string? Selector { get; set; } = "app=web";

        public bool Missing { get; set; }

        public int Updates { get; private set; }

        public Task<V1Scale> GetAsync(string ns, V2CrossVersionObjectReference target, CancellationToken cancellationToken) => Missing
            ? throw new ScaleException($"deployments.apps \"{target.Name}\" not found")
            : Task.FromResult(new V1Scale { Metadata = new V1ObjectMeta { Name = target.Name, NamespaceProperty = ns }, Spec = new V1ScaleSpec { Replicas = Replicas }, Status = new V1ScaleStatus { Replicas = Replicas, Selector = Selector } });

        public Task<V1Scale> UpdateAsync(string ns, V2CrossVersionObjectReference target, V1Scale scale, CancellationToken cancellationToken)
        {
            Updates++;
            Replicas = scale.Spec.Replicas ?? 0;
            return Task.FromResult(scale);
        }
    }

    private sealed class FakeMetrics : IMetricsSource
    {
        public Dictionary<string, long> Usage { get; set; } = [];

        public string? Error { get; set; }

        public List<string> Asked { get; } = [];

        public Task<IReadOnlyDictionary<string, PodMetric>> GetResourceMetricAsync(string resource, string ns, string labelSelector, string? container, CancellationToken cancellationToken)
        {
            Asked.Add($"{ns}:{labelSelector}");
            if (Error is not null)
            {
                throw new MetricsUnavailableException(Error);
            }

            return Task.FromResult<IReadOnlyDictionary<string, PodMetric>>(Usage.ToDictionary(kv => kv.Key, kv => new PodMetric(kv.Value, DateTimeOffset.MinValue, TimeSpan.FromSeconds(30))));
        }
    }
}
