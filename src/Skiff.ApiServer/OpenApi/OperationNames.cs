using System.Text;

namespace Skiff.ApiServer.OpenApi;

/// <summary>The group-version parts of kube-apiserver's operation IDs and tags (CoreV1, AppsV1, RbacAuthorizationV1).</summary>
internal static class OperationNames
{
    /// <summary>"CoreV1", "AppsV1", "NetworkingV1", "RbacAuthorizationV1".</summary>
    public static string GroupVersion(string group, string version) => GroupPascal(group) + Pascal(version);

    /// <summary>"core_v1", "apps_v1", "rbacAuthorization_v1".</summary>
    public static string Tag(string group, string version)
    {
        var pascal = GroupPascal(group);
        return char.ToLowerInvariant(pascal[0]) + pascal[1..] + "_" + version;
    }

    private static string GroupPascal(string group)
    {
        if (group.Length == 0)
        {
            return "Core";
        }

        var trimmed = group.EndsWith(".k8s.io", StringComparison.Ordinal) ? group[..^".k8s.io".Length] : group;
        var builder = new StringBuilder();
        foreach (var part in trimmed.Split('.', '-'))
        {
            builder.Append(Pascal(part));
        }

        return builder.ToString();
    }

    private static string Pascal(string word) => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..];
}
