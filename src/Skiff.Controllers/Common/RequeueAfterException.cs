namespace Skiff.Controllers.Common;

/// <summary>Not a failure: the sync wants to run again after a delay (a deadline or minReadySeconds to wait out).</summary>
internal sealed class RequeueAfterException(TimeSpan delay) : Exception("requeue after " + delay)
{
    public TimeSpan Delay { get; } = delay;
}
