namespace Skiff.ApiServer.Admission;

/// <summary>
/// The authenticated user of the request being served, flowing with the async call like Go's request context does
/// in kube-apiserver, so the registry can hand it to admission without every store method taking it. Null for the
/// API server's own writes.
/// </summary>
internal static class RequestUser
{
    private static readonly AsyncLocal<UserInfo?> CurrentUser = new();

    public static UserInfo? Current
    {
        get => CurrentUser.Value;
        set => CurrentUser.Value = value;
    }
}
