namespace Skiff.Client.LeaderElection;

/// <summary>Lease-based election settings; defaults are kube-controller-manager's (15 s lease, 10 s renew deadline, 2 s retry).</summary>
public sealed class LeaderElectionOptions
{
    public string LeaseNamespace { get; set; } = "kube-system";

    public string LeaseName { get; set; } = "kube-controller-manager";

    /// <summary>This candidate's identity, written as holderIdentity (host name plus a unique suffix).</summary>
    public string Identity { get; set; } = $"{Environment.MachineName}_{Guid.NewGuid()}";

    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Whether stopping gives the lease up at once (another candidate need not wait for it to expire).</summary>
    public bool ReleaseOnCancel { get; set; } = true;
}
