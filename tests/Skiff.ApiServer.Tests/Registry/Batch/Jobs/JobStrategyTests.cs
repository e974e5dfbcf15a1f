using k8s.Models;
using Skiff.ApiServer.Registry.Batch.Jobs;

namespace Skiff.ApiServer.Tests.Registry.Batch.Jobs;

public class JobStrategyTests
{
    private const string Uid = "0d1e2f3a-0000-4000-8000-000000000001";
    private readonly JobStrategy _strategy = Strategies.For<JobStrategy, V1Job>();

    private static V1Job Job()
    {
        var template = Strategies.Template("Never");
        template.Metadata = null;
        return new V1Job
        {
            Metadata = new V1ObjectMeta { Name = "pi", NamespaceProperty = "default", Uid = Uid },
            Spec = new V1JobSpec { Template = template },
        };
    }

    [Fact]
    public void Create_Defaults_KubernetesDefaults()
    {
        var job = Job();
        Assert.Empty(Strategies.Create(_strategy, job));
        Assert.Equal(1, job.Spec.Completions);
        Assert.Equal(1, job.Spec.Parallelism);
        Assert.Equal(6, job.Spec.BackoffLimit);
        Assert.Equal("NonIndexed", job.Spec.CompletionMode);
        Assert.False(job.Spec.Suspend);
        Assert.Equal("TerminatingOrFailed", job.Spec.PodReplacementPolicy);
        Assert.False(job.Spec.ManualSelector);
    }

    [Fact]
    public void Default_ParallelismOnly_CompletionsStayUnset()
    {
        var job = Job();
        job.Spec.Parallelism = 3;
        _strategy.Default(job);
        Assert.Null(job.Spec.Completions);
    }

    [Fact]
    public void Create_GeneratesSelectorAndLabelsFromUid()
    {
        var job = Job();
        Strategies.Create(_strategy, job);
        Assert.Equal(Uid, job.Spec.Selector.MatchLabels[JobStrategy.ControllerUidLabel]);
        Assert.Single(job.Spec.Selector.MatchLabels);
        var labels = job.Spec.Template.Metadata.Labels;
        Assert.Equal(Uid, labels["controller-uid"]);
        Assert.Equal(Uid, labels["batch.kubernetes.io/controller-uid"]);
        Assert.Equal("pi", labels["job-name"]);
        Assert.Equal("pi", labels["batch.kubernetes.io/job-name"]);
        Assert.Equal(labels, job.Metadata.Labels);
    }

    [Fact]
    public void Create_ManualSelectorWithoutSelector_Required()
    {
        var job = Job();
        job.Spec.ManualSelector = true;
        Assert.Contains(Strategies.Create(_strategy, job), e => e.ToString() == "spec.selector: Required value");
    }

    [Fact]
    public void Create_RestartPolicyAlways_NotSupported()
    {
        var job = Job();
        job.Spec.Template.Spec.RestartPolicy = "Always";
        Assert.Equal("spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"", Assert.Single(Strategies.Create(_strategy, job)).ToString());
    }

    [Fact]
    public void Create_IndexedWithoutCompletions_Required()
    {
        var job = Job();
        job.Spec.CompletionMode = "Indexed";
        job.Spec.Parallelism = 2;
        Assert.Equal("spec.completions: Required value: when completion mode is Indexed", Assert.Single(Strategies.Create(_strategy, job)).ToString());
    }

    [Fact]
    public void Update_TemplateOrCompletionsChanged_Immutable()
    {
        var old = Job();
        Strategies.Create(_strategy, old);
        var updated = Strategies.Copy(old);
        updated.Spec.Template.Spec.Containers[0].Image = "perl:5";
        updated.Spec.Completions = 3;
        var fields = Strategies.Update(_strategy, updated, old).Select(e => e.Field).ToList();
        Assert.Contains("spec.template", fields);
        Assert.Contains("spec.completions", fields);
    }

    [Fact]
    public void Update_SuspendedNeverStarted_SchedulingDirectivesMutable()
    {
        var old = Job();
        old.Spec.Suspend = true;
        Strategies.Create(_strategy, old);
        var updated = Strategies.Copy(old);
        updated.Spec.Template.Spec.NodeSelector = new Dictionary<string, string> { ["zone"] = "a" };
        Assert.Empty(Strategies.Update(_strategy, updated, old));
    }

    [Fact]
    public void SelectableFields_StatusSuccessful()
    {
        var job = Job();
        job.Status = new V1JobStatus { Succeeded = 2 };
        Assert.Equal(new KeyValuePair<string, string>("status.successful", "2"), Assert.Single(_strategy.SelectableFields(job)));
    }
}
