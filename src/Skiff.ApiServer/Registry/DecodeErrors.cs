using System.Text.Json;
using System.Text.RegularExpressions;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// Turns System.Text.Json failures into messages in the style Kubernetes users know from Go's decoder
/// ("json: cannot unmarshal ... into Go struct field ... of type map[string]string"), naming the field and the expected type.
/// </summary>
internal static partial class DecodeErrors
{
    [GeneratedRegex(@"could not be converted to (?<type>[^.]+(?:\.[^.\s]+)*?)\. Path: (?<path>\S+)")]
    private static partial Regex ConvertMessage();

    public static string Describe(Exception e)
    {
        if (e is JsonException je)
        {
            var m = ConvertMessage().Match(je.Message);
            var path = (je.Path ?? (m.Success ? m.Groups["path"].Value : "$")).TrimStart('$').TrimStart('.');
            if (m.Success)
            {
                return $"json: cannot unmarshal value into Go struct field {(path.Length == 0 ? "(root)" : path)} of type {GoType(m.Groups["type"].Value)}";
            }

            var line = je.LineNumber is { } l ? $" (line {l + 1}, position {je.BytePositionInLine + 1})" : string.Empty;
            return $"json: invalid value at {(path.Length == 0 ? "(root)" : path)}{line}";
        }

        return e.InnerException?.Message ?? e.Message;
    }

    /// <summary>A .NET model type name rendered as the Go type Kubernetes would name.</summary>
    private static string GoType(string dotnet)
    {
        var t = dotnet.Replace("System.Collections.Generic.", string.Empty).Replace("k8s.Models.", string.Empty).Replace("System.", string.Empty);
        t = Regex.Replace(t, @"IDictionary`2\[String,(\w+)\]", m => "map[string]" + Simple(m.Groups[1].Value));
        t = Regex.Replace(t, @"IList`1\[(\w+)\]", m => "[]" + Simple(m.Groups[1].Value));
        return Simple(t);
    }

    private static string Simple(string t) => t switch
    {
        "String" => "string",
        "Int32" => "int32",
        "Int64" => "int64",
        "Boolean" => "bool",
        "Double" => "float64",
        "Nullable`1[Int32]" => "int32",
        "Nullable`1[Int64]" => "int64",
        "Nullable`1[Boolean]" => "bool",
        "Byte[]" => "[]byte",
        _ => Regex.Replace(t, @"^V(\d+)(alpha\d+|beta\d+)?(\w+)$", m => $"v{m.Groups[1].Value}{m.Groups[2].Value}.{m.Groups[3].Value}"),
    };
}
