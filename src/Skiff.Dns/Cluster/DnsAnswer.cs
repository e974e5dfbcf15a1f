using ARSoft.Tools.Net.Dns;

namespace Skiff.Dns.Cluster;

/// <summary>What the cluster zone says about one question. <see cref="Forward"/> means "not ours: ask upstream".</summary>
internal sealed record DnsAnswer(ReturnCode Code, IReadOnlyList<DnsRecordBase> Answers, IReadOnlyList<DnsRecordBase> Authority, IReadOnlyList<DnsRecordBase> Additional)
{
    public static readonly DnsAnswer Forward = new(ReturnCode.Refused, [], [], []);

    public bool IsForward => ReferenceEquals(this, Forward);
}
