namespace Skiff.Client.Queues;

/// <summary>Where a queue reports its depth, adds, work durations and failures (Prometheus in the server).</summary>
public interface IQueueMetrics
{
    void Added();

    void Depth(int depth);

    void WorkDuration(TimeSpan duration);

    void Retried();

    void Failed();
}
