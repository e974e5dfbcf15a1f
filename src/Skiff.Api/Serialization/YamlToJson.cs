using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Skiff.Api.Serialization;

/// <summary>
/// Converts one YAML document to JSON the way sigs.k8s.io/yaml does for API requests: plain scalars
/// become JSON numbers, booleans and null by the YAML 1.2 core schema (plus yes/no/on/off booleans that Go's
/// YAML 1.1 parser also accepts); quoted scalars stay strings.
/// </summary>
public static partial class YamlToJson
{
    [GeneratedRegex(@"^[-+]?(0|[1-9][0-9]*)$")]
    private static partial Regex IntRegex();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatRegex();

    /// <summary>Converts YAML text to UTF-8 JSON. Throws <see cref="FormatException"/> with the parser's position on bad YAML.</summary>
    public static byte[] Convert(string yaml)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new FormatException($"error converting YAML to JSON: yaml: line {e.Start.Line}: {e.Message}", e);
        }

        if (stream.Documents.Count == 0)
        {
            return "null"u8.ToArray();
        }

        if (stream.Documents.Count > 1)
        {
            throw new FormatException("error converting YAML to JSON: expected a single YAML document");
        }

        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            Write(w, stream.Documents[0].RootNode);
        }

        return ms.ToArray();
    }

    private static void Write(Utf8JsonWriter w, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                w.WriteStartObject();
                foreach (var (k, v) in map.Children)
                {
                    w.WritePropertyName(k is YamlScalarNode ks ? ks.Value ?? "null" : throw new FormatException("error converting YAML to JSON: only scalar map keys are supported"));
                    Write(w, v);
                }

                w.WriteEndObject();
                break;
            case YamlSequenceNode seq:
                w.WriteStartArray();
                foreach (var c in seq.Children)
                {
                    Write(w, c);
                }

                w.WriteEndArray();
                break;
            case YamlScalarNode s:
                WriteScalar(w, s);
                break;
            default:
                w.WriteNullValue();
                break;
        }
    }

    private static void WriteScalar(Utf8JsonWriter w, YamlScalarNode s)
    {
        var v = s.Value ?? string.Empty;
        if (s.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            w.WriteStringValue(v);
            return;
        }

        if (!s.Tag.IsEmpty && s.Tag.Value == "tag:yaml.org,2002:str")
        {
            w.WriteStringValue(v);
            return;
        }

        switch (v)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                w.WriteNullValue();
                return;
            case "true" or "True" or "TRUE" or "yes" or "Yes" or "YES" or "on" or "On" or "ON":
                w.WriteBooleanValue(true);
                return;
            case "false" or "False" or "FALSE" or "no" or "No" or "NO" or "off" or "Off" or "OFF":
                w.WriteBooleanValue(false);
                return;
        }

        if (IntRegex().IsMatch(v) && long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            w.WriteNumberValue(l);
            return;
        }

        if (FloatRegex().IsMatch(v) && double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d))
        {
            w.WriteRawValue(v.StartsWith('+') ? v[1..] : v.StartsWith('.') ? "0" + v : v.StartsWith("-.", StringComparison.Ordinal) ? "-0" + v[1..] : v.EndsWith('.') ? v + "0" : v);
            _ = d;
            return;
        }

        w.WriteStringValue(v);
    }

    /// <summary>Whether a Content-Type names YAML.</summary>
    public static bool IsYaml(string? contentType) =>
        contentType is not null && (contentType.StartsWith("application/yaml", StringComparison.OrdinalIgnoreCase) || contentType.StartsWith("application/x-yaml", StringComparison.OrdinalIgnoreCase) || contentType.StartsWith("text/yaml", StringComparison.OrdinalIgnoreCase));

    /// <summary>Decodes UTF-8 YAML bytes.</summary>
    public static byte[] Convert(ReadOnlySpan<byte> utf8Yaml) => Convert(Encoding.UTF8.GetString(utf8Yaml));
}
