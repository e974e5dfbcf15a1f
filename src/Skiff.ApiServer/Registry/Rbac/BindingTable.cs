using k8s.Models;
using Skiff.Api.Printing;

namespace Skiff.ApiServer.Registry.Rbac;

/// <summary>
/// kube-apiserver's rolebinding and clusterrolebinding printers: NAME ROLE AGE, wide USERS GROUPS SERVICEACCOUNTS.
/// </summary>
internal sealed class BindingTable
{
    private readonly string _what;

    public BindingTable(string what)
    {
        _what = what;
        Columns =
        [
            Shared.Columns.Name,
            new("Role", "string", "RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable."),
            Shared.Columns.Age,
            new("Users", "string", $"Users in the {_what}", 1),
            new("Groups", "string", $"Groups in the {_what}", 1),
            new("ServiceAccounts", "string", $"ServiceAccounts in the {_what}", 1),
        ];
    }

    public IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>The row: ROLE is <c>Kind/name</c>; subjects are split by kind (rbac.SubjectsStrings) and joined by ", ".</summary>
    public object?[] Cells(V1ObjectMeta metadata, V1RoleRef? roleRef, IList<Rbacv1Subject>? subjects, DateTime now)
    {
        var users = new List<string>();
        var groups = new List<string>();
        var serviceAccounts = new List<string>();
        foreach (var s in subjects ?? [])
        {
            switch (s.Kind)
            {
                case "ServiceAccount":
                    serviceAccounts.Add($"{s.NamespaceProperty}/{s.Name}");
                    break;
                case "User":
                    users.Add(s.Name);
                    break;
                case "Group":
                    groups.Add(s.Name);
                    break;
            }
        }

        return
        [
            metadata.Name,
            $"{roleRef?.Kind}/{roleRef?.Name}",
            HumanDuration.Since(metadata.CreationTimestamp, now),
            string.Join(", ", users),
            string.Join(", ", groups),
            string.Join(", ", serviceAccounts),
        ];
    }
}
