namespace Skiff.Scheduler.Framework;

/// <summary>What a plugin returns (kube-scheduler's framework.Status): a code, the reasons shown to users, and the failing plugin.</summary>
internal sealed class Status
{
    public static readonly Status Ok = new(StatusCode.Success, []);

    public static readonly Status Skipped = new(StatusCode.Skip, []);

    public Status(StatusCode code, IReadOnlyList<string> reasons, string? plugin = null)
    {
        Code = code;
        Reasons = reasons;
        Plugin = plugin;
    }

    public StatusCode Code { get; }

    /// <summary>Reasons, each counted once per node in the "0/N nodes are available" histogram.</summary>
    public IReadOnlyList<string> Reasons { get; }

    /// <summary>The plugin that failed the pod; decides which cluster events can make it schedulable.</summary>
    public string? Plugin { get; }

    public bool IsSuccess => Code == StatusCode.Success;

    public bool IsRejected => Code is StatusCode.Unschedulable or StatusCode.UnschedulableAndUnresolvable;

    public static Status Unschedulable(params string[] reasons) => new(StatusCode.Unschedulable, reasons);

    public static Status Unresolvable(params string[] reasons) => new(StatusCode.UnschedulableAndUnresolvable, reasons);

    public static Status Error(string message) => new(StatusCode.Error, [message]);

    public Status WithPlugin(string plugin) => Plugin == plugin ? this : new Status(Code, Reasons, plugin);

    public override string ToString() => $"{Code}: {string.Join(", ", Reasons)}";
}
