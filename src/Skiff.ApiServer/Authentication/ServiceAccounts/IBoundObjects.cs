namespace Skiff.ApiServer.Authentication.ServiceAccounts;

/// <summary>Looks up the current uid of the objects a token names, so revoked tokens (object deleted or recreated) fail.</summary>
public interface IBoundObjects
{
    /// <summary>The uid of the object of <paramref name="kind"/> ("ServiceAccount", "Pod", "Secret", "Node"), or null when it does not exist.</summary>
    string? Uid(string kind, string? ns, string name);

    /// <summary>The Secret, for checking a legacy token against the token it holds; null when it does not exist.</summary>
    k8s.Models.V1Secret? Secret(string ns, string name);
}
