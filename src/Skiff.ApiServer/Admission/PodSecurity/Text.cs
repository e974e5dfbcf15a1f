using System.Text;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>The small text helpers the checks' messages are built with, so they read exactly as Kubernetes prints them.</summary>
internal static class Text
{
    /// <summary><c>"a", "b"</c>.</summary>
    public static string JoinQuote(IEnumerable<string> items) =>
        string.Join(", ", items.Select(i => "\"" + i + "\""));

    public static string Plural(string singular, string plural, int count) => count == 1 ? singular : plural;

    /// <summary><c>container "a"</c> or <c>containers "a", "b"</c>.</summary>
    public static string Containers(IReadOnlyCollection<string> names) => $"{Plural("container", "containers", names.Count)} {JoinQuote(names)}";

    /// <summary>Go's %q of a string: double quotes with backslash escapes.</summary>
    public static string GoQuote(string s)
    {
        var b = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"':
                    b.Append("\\\"");
                    break;
                case '\\':
                    b.Append("\\\\");
                    break;
                case '\n':
                    b.Append("\\n");
                    break;
                case '\t':
                    b.Append("\\t");
                    break;
                default:
                    b.Append(c);
                    break;
            }
        }

        return b.Append('"').ToString();
    }
}
