using k8s.Models;

namespace Skiff.ApiServer.Registry.Core.ServiceAccounts;

/// <summary>
/// ServiceAccounts, after pkg/registry/core/serviceaccount/strategy.go: only the generic metadata rules
/// apply (names are DNS subdomains); the object has no spec or status.
/// </summary>
internal sealed class ServiceAccountStrategy : ResourceStrategy<V1ServiceAccount>
{
    public override TableConvertor<V1ServiceAccount> Table => ServiceAccountTable.Instance;
}
