using System.Collections.Frozen;
using k8s.Models;

namespace Skiff.ApiServer;

/// <summary>An authenticated identity: user name, uid and groups, as Kubernetes' user.Info.</summary>
public sealed record UserInfo(string Name, string Uid, IReadOnlyList<string> Groups)
{
    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> NoExtra = FrozenDictionary<string, IReadOnlyList<string>>.Empty;

    /// <summary>
    /// user.Info's extra attributes, e.g. the pod and node a bound service-account token names
    /// (<c>authentication.kubernetes.io/pod-name</c>, ...); empty for most identities.
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Extra { get; init; } = NoExtra;

    /// <summary>This identity as the API's <c>UserInfo</c> (TokenReview, SelfSubjectReview): empty uid and extra are left out.</summary>
    public V1UserInfo ToV1UserInfo() => new()
    {
        Username = Name,
        Uid = Uid.Length > 0 ? Uid : null,
        Groups = [.. Groups],
        Extra = Extra.Count > 0 ? Extra.ToDictionary(e => e.Key, e => (IList<string>)[.. e.Value]) : null,
    };
}
