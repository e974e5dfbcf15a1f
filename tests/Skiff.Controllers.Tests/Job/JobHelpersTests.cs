using k8s.Models;
using Skiff.Controllers.Job;

namespace Skiff.Controllers.Tests.Job;

public sealed class JobHelpersTests
{
    [Theory]
    [InlineData("", 10, "", 0)]
    [InlineData("1,3-5,7", 10, "1,3-5,7", 5)]
    [InlineData("0,1", 10, "0,1", 2)]
    [InlineData("0-2,3", 10, "0-3", 4)]
    [InlineData("2-8", 5, "2-4", 3)]
    [InlineData("x,1", 5, "1", 1)]
    public void CompletionIndexes_ParseAndFormat_AsStatusCompletedIndexes(string text, int completions, string expected, int total)
    {
        var set = CompletionIndexes.Parse(text, completions);
        Assert.Equal(expected, set.ToString());
        Assert.Equal(total, set.Total);
    }

    [Fact]
    public void CompletionIndexes_With_MergesNeighbours()
    {
        var set = CompletionIndexes.Parse("0,4", 10).With([1, 2, 3, 9]);
        Assert.Equal("0-4,9", set.ToString());
        Assert.True(set.Contains(3));
        Assert.False(set.Contains(5));
    }

    [Theory]
    [InlineData(1, 0, 10)]
    [InlineData(2, 0, 20)]
    [InlineData(3, 5, 35)]
    [InlineData(6, 0, 320)]
    [InlineData(7, 0, 360)]
    [InlineData(20, 0, 360)]
    [InlineData(1, 15, 0)]
    public void Backoff_DoublesFromTenSecondsCappedAtSixMinutes(int failures, int secondsSinceLastFailure, int remainingSeconds)
    {
        var now = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var record = new BackoffRecord(failures, now.AddSeconds(-secondsSinceLastFailure));
        Assert.Equal(TimeSpan.FromSeconds(remainingSeconds), record.RemainingTime(now));
    }

    [Fact]
    public void Backoff_SuccessAfterFailures_Resets()
    {
        var t0 = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var record = new BackoffRecord(3, t0);
        var success = Pod("Succeeded", t0.AddSeconds(5));
        var laterFailure = Pod("Failed", t0.AddSeconds(9));
        Assert.Equal(BackoffRecord.None, record.With([success], []));
        Assert.Equal(new BackoffRecord(1, t0.AddSeconds(9)), record.With([success], [laterFailure]));
        Assert.Equal(new BackoffRecord(4, t0.AddSeconds(9)), record.With([], [laterFailure]));
    }

    [Fact]
    public void GenerateNameWithIndex_ShortensLongJobNames()
    {
        Assert.Equal("job-3-", JobPods.GenerateNameWithIndex("job", 3));
        var name = JobPods.GenerateNameWithIndex(new string('a', 63), 12);
        Assert.Equal(58, name.Length);
        Assert.EndsWith("a-12-", name, StringComparison.Ordinal);
    }

    private static V1Pod Pod(string phase, DateTimeOffset finished) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", Uid = Guid.NewGuid().ToString() },
        Status = new V1PodStatus
        {
            Phase = phase,
            ContainerStatuses = [new V1ContainerStatus { Name = "c", State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { FinishedAt = finished.UtcDateTime } } }],
        },
    };
}
