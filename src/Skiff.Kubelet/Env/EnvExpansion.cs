using System.Text;

namespace Skiff.Kubelet.Env;

/// <summary>
/// Kubernetes' <c>$(VAR)</c> expansion (the kubelet's third_party expansion package): <c>$(NAME)</c> is replaced by
/// the variable's value, <c>$$</c> is an escaped <c>$</c>, and a reference to an unknown variable, an unclosed
/// <c>$(</c> or a <c>$</c> followed by anything else is left as written. Used for env values, command, args and
/// subPathExpr.
/// </summary>
internal static class EnvExpansion
{
    /// <summary>Expands <paramref name="input"/>; <paramref name="lookup"/> returns null for an unknown name (left as <c>$(NAME)</c>).</summary>
    public static string Expand(string input, Func<string, string?> lookup)
    {
        if (!input.Contains('$', StringComparison.Ordinal))
        {
            return input;
        }

        var sb = new StringBuilder(input.Length);
        var i = 0;
        while (i < input.Length)
        {
            var c = input[i];
            if (c != '$' || i + 1 >= input.Length)
            {
                sb.Append(c);
                i++;
                continue;
            }

            var next = input[i + 1];
            if (next == '$')
            {
                sb.Append('$');
                i += 2;
            }
            else if (next == '(')
            {
                var close = input.IndexOf(')', i + 2);
                if (close < 0)
                {
                    // An unclosed reference is kept verbatim; scanning resumes after "$(".
                    sb.Append("$(");
                    i += 2;
                    continue;
                }

                var name = input[(i + 2)..close];
                sb.Append(lookup(name) ?? "$(" + name + ")");
                i = close + 1;
            }
            else
            {
                sb.Append('$').Append(next);
                i += 2;
            }
        }

        return sb.ToString();
    }

    /// <summary>A lookup over maps searched in order (the first map that has the name wins).</summary>
    public static Func<string, string?> Lookup(params IReadOnlyDictionary<string, string>?[] maps) => name =>
    {
        foreach (var m in maps)
        {
            if (m is not null && m.TryGetValue(name, out var v))
            {
                return v;
            }
        }

        return null;
    };

    /// <summary>
    /// Expands a container's command and args against its resolved environment, as the kubelet does just before it
    /// creates the container. Null lists stay null (the image's entrypoint and cmd are used).
    /// </summary>
    public static (IReadOnlyList<string>? Command, IReadOnlyList<string>? Args) ExpandCommandAndArgs(
        IEnumerable<string>? command, IEnumerable<string>? args, IReadOnlyDictionary<string, string> env)
    {
        var lookup = Lookup(env);
        var c = command?.Select(s => Expand(s, lookup)).ToList();
        var a = args?.Select(s => Expand(s, lookup)).ToList();
        return (c is { Count: > 0 } ? c : null, a is { Count: > 0 } ? a : null);
    }

    /// <summary>
    /// Expands a volumeMount's subPathExpr; unlike env values, a reference to an unset or empty variable is an error
    /// (the kubelet's "missing value for A, B" with the names sorted).
    /// </summary>
    /// <exception cref="CreateContainerConfigException">a referenced variable is unset or empty.</exception>
    public static string ExpandSubPathExpr(string subPathExpr, IReadOnlyDictionary<string, string> env)
    {
        var missing = new SortedSet<string>(StringComparer.Ordinal);
        var result = Expand(subPathExpr, name =>
        {
            if (!env.TryGetValue(name, out var v) || v.Length == 0)
            {
                missing.Add(name);
                return "";
            }

            return v;
        });
        if (missing.Count > 0)
        {
            throw new CreateContainerConfigException("missing value for " + string.Join(", ", missing));
        }

        return result;
    }
}
