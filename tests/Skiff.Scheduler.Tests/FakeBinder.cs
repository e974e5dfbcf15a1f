using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Tests;

/// <summary>A bind plugin that records bindings instead of calling the API; can be told to fail.</summary>
internal sealed class FakeBinder : IBindPlugin
{
    public string Name => "FakeBinder";

    public List<(string Pod, string Node)> Bound { get; } = [];

    public Status? Next { get; set; }

    public Task<Status> BindAsync(PodInfo pod, string nodeName, CancellationToken cancellationToken)
    {
        if (Next is { } s)
        {
            Next = null;
            return Task.FromResult(s);
        }

        lock (Bound)
        {
            Bound.Add((pod.Key, nodeName));
        }

        return Task.FromResult(Status.Ok);
    }
}
