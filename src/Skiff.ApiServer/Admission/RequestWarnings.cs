namespace Skiff.ApiServer.Admission;

/// <summary>
/// Where an admission step sends warnings for the client (Warning headers) of the request being served, flowing with
/// the async call like <see cref="RequestUser"/>. Null outside a request (the API server's own writes).
/// </summary>
internal static class RequestWarnings
{
    private static readonly AsyncLocal<Action<string>?> CurrentSink = new();

    public static Action<string>? Current
    {
        get => CurrentSink.Value;
        set => CurrentSink.Value = value;
    }

    /// <summary>Adds a warning to the current request's response, if there is a request.</summary>
    public static void Add(string text) => CurrentSink.Value?.Invoke(text);
}
