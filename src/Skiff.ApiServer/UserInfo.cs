namespace Skiff.ApiServer;

/// <summary>An authenticated identity: user name, uid and groups, as Kubernetes' user.Info.</summary>
public sealed record UserInfo(string Name, string Uid, IReadOnlyList<string> Groups);
