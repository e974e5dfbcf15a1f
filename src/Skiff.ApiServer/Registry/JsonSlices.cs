using System.Text.Json;

namespace Skiff.ApiServer.Registry;

/// <summary>Finds parts of a JSON document by offset, without building objects.</summary>
internal static class JsonSlices
{
    /// <summary>The offset and length of a top-level property's value; (0, 0) when absent or the document is not an object.</summary>
    public static (int Start, int Length) TopLevelValue(ReadOnlySpan<byte> json, ReadOnlySpan<byte> name)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return (0, 0);
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (match)
            {
                return (start, (int)reader.BytesConsumed - start);
            }
        }

        return (0, 0);
    }
}
