namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>One failed check: the short reason and the detail Kubernetes prints as <c>reason (detail)</c>.</summary>
public sealed record CheckResult(string Reason, string Detail)
{
    public override string ToString() => Detail.Length > 0 ? $"{Reason} ({Detail})" : Reason;
}
