namespace Skiff.Kubelet.Server;

/// <summary>
/// The streams an exec or attach asks for, from the query the API server sends the kubelet
/// (<c>command</c>, <c>input</c>, <c>output</c>, <c>error</c>, <c>tty</c>), checked as kubelet's remotecommand options are.
/// </summary>
internal sealed record StreamingRequest(IReadOnlyList<string> Command, bool Stdin, bool Stdout, bool Stderr, bool Tty)
{
    /// <summary>Parses the query; returns null with the kubelet's message when no stream is asked for.</summary>
    public static StreamingRequest? Parse(Func<string, IReadOnlyList<string>> query, out string? error)
    {
        static bool Flag(IReadOnlyList<string> values) => values.Count > 0 && values[0] is "1" or "true" or "True";
        var tty = Flag(query("tty"));
        var stdin = Flag(query("input"));
        var stdout = Flag(query("output"));
        var stderr = Flag(query("error"));

        // A terminal merges stderr into stdout; kubelet drops stderr rather than failing (CRI refuses both).
        if (tty)
        {
            stderr = false;
        }

        if (!stdin && !stdout && !stderr)
        {
            error = "you must specify at least 1 of stdin, stdout, stderr";
            return null;
        }

        error = null;
        return new StreamingRequest(query("command"), stdin, stdout, stderr, tty);
    }
}
