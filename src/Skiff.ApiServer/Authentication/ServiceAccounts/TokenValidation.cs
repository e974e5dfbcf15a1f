namespace Skiff.ApiServer.Authentication.ServiceAccounts;

/// <summary>The outcome of checking a service-account token: the user and the audiences it was accepted for, or the reason it was not.</summary>
public sealed record TokenValidation(UserInfo? User, IReadOnlyList<string> Audiences, string? Error, ServiceAccountClaims? Claims = null)
{
    public static TokenValidation Fail(string error) => new(null, [], error);
}
