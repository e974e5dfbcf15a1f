using k8s.Models;
using Skiff.ApiServer.Registry.Batch.Jobs;

namespace Skiff.ApiServer.Tests.Registry.Batch.Jobs;

public class JobTableTests
{
    private static V1Job Job(params V1JobCondition[] conditions) => new()
    {
        Metadata = new V1ObjectMeta { Name = "pi", CreationTimestamp = Strategies.Now.AddMinutes(-10) },
        Spec = new V1JobSpec
        {
            Completions = 1,
            Parallelism = 1,
            Template = Strategies.Template("Never"),
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["batch.kubernetes.io/controller-uid"] = "u1" } },
        },
        Status = new V1JobStatus { Conditions = conditions },
    };

    [Fact]
    public void Columns_MatchKubernetesPrinter() =>
        Assert.Equal(["Name", "Status", "Completions", "Duration", "Age", "Containers", "Images", "Selector"], new JobTable().Columns.Select(c => c.Name));

    [Fact]
    public void Cells_CompleteJob_DurationFromStartToCompletion()
    {
        var job = Job(new V1JobCondition { Type = "Complete", Status = "True" });
        job.Status.Succeeded = 1;
        job.Status.StartTime = Strategies.Now.AddMinutes(-10);
        job.Status.CompletionTime = Strategies.Now.AddMinutes(-10).AddSeconds(42);
        Assert.Equal<object?>(["pi", "Complete", "1/1", "42s", "10m", "web", "nginx:1.27", "batch.kubernetes.io/controller-uid=u1"], new JobTable().Cells(job, Strategies.Now));
    }

    [Theory]
    [InlineData("Failed", "Failed")]
    [InlineData("Suspended", "Suspended")]
    [InlineData("FailureTarget", "FailureTarget")]
    [InlineData("Unknown", "Running")]
    public void Status_Condition_Text(string condition, string expected) =>
        Assert.Equal(expected, JobTable.Status(Job(new V1JobCondition { Type = condition, Status = "True" })));

    [Fact]
    public void Cells_ParallelWithoutCompletions_OfParallelism()
    {
        var job = Job();
        job.Spec.Completions = null;
        job.Spec.Parallelism = 3;
        job.Status.StartTime = Strategies.Now.AddSeconds(-5);
        var cells = new JobTable().Cells(job, Strategies.Now);
        Assert.Equal("0/1 of 3", cells[2]);
        Assert.Equal("5s", cells[3]);
    }
}
