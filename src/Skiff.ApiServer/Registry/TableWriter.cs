using System.Text.Json;
using k8s;
using k8s.Models;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// Writes <c>meta.k8s.io</c> Tables: the column definitions of a resource and one row per object with its
/// cells and, per <c>includeObject</c>, nothing, its metadata (PartialObjectMetadata, kubectl's default) or the whole object.
/// </summary>
internal static class TableWriter
{
    public static byte[] Write<T>(TableConvertor<T> convertor, IEnumerable<T> objects, string metaVersion, string includeObject,
        bool includeColumns, string? resourceVersion, string? continueToken, long? remaining, DateTime now, Func<T, byte[]> encodeObject)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, ApiJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("kind", "Table");
            w.WriteString("apiVersion", $"meta.k8s.io/{metaVersion}");
            w.WriteStartObject("metadata");
            if (resourceVersion is not null)
            {
                w.WriteString("resourceVersion", resourceVersion);
            }

            if (continueToken is not null)
            {
                w.WriteString("continue", continueToken);
            }

            if (remaining is not null)
            {
                w.WriteNumber("remainingItemCount", remaining.Value);
            }

            w.WriteEndObject();
            if (includeColumns)
            {
                w.WriteStartArray("columnDefinitions");
                foreach (var c in convertor.Columns)
                {
                    w.WriteStartObject();
                    w.WriteString("name", c.Name);
                    w.WriteString("type", c.Type);
                    w.WriteString("format", c.Format);
                    w.WriteString("description", c.Description);
                    w.WriteNumber("priority", c.Priority);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }
            else
            {
                w.WriteNull("columnDefinitions");
            }

            w.WriteStartArray("rows");
            foreach (var o in objects)
            {
                w.WriteStartObject();
                w.WriteStartArray("cells");
                foreach (var cell in convertor.Cells(o, now))
                {
                    WriteCell(w, cell);
                }

                w.WriteEndArray();
                switch (includeObject)
                {
                    case "None":
                        break;
                    case "Object":
                        w.WritePropertyName("object");
                        w.WriteRawValue(encodeObject(o), skipInputValidation: true);
                        break;
                    default:
                        w.WriteStartObject("object");
                        w.WriteString("kind", "PartialObjectMetadata");
                        w.WriteString("apiVersion", $"meta.k8s.io/{metaVersion}");
                        w.WritePropertyName("metadata");
                        w.WriteRawValue(ApiJson.Serialize(o.Metadata), skipInputValidation: true);
                        w.WriteEndObject();
                        break;
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return ms.ToArray();
    }

    private static void WriteCell(Utf8JsonWriter w, object? cell)
    {
        switch (cell)
        {
            case null:
                w.WriteNullValue();
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case int i:
                w.WriteNumberValue(i);
                break;
            case long l:
                w.WriteNumberValue(l);
                break;
            case double d:
                w.WriteNumberValue(d);
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            default:
                w.WriteStringValue(cell.ToString());
                break;
        }
    }
}
